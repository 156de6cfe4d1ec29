// Account rules through real logins: identities keyed by GitHub id, unverified email never trusted.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"

using namespace sg::test;
using json = nlohmann::json;

TEST_CASE("a GitHub account whose only email is unverified never joins the user with that address", "[e2e][accounts][security]") {
  deployment_options options;
  options.idp_users_json = R"([
    {"login": "alice-dev", "id": 10, "name": "Alice Doe", "emails": [{"email": "alice@example.com", "primary": true, "verified": true}]},
    {"login": "mallory", "id": 66, "name": "Mallory", "emails": [{"email": "alice@example.com", "primary": true, "verified": false}]},
    {"login": "bob", "id": 77, "name": "Bob", "emails": [{"email": "bob@example.com", "primary": true, "verified": true}]}
  ])";
  deployment env(options);

  auto alice_browser = env.new_browser();
  REQUIRE(env.login(alice_browser, "alice-dev").callback.status == 302);
  auto alice = json::parse(alice_browser.get(env.replica(0) + "/api/users/self").body);
  CHECK(alice["email"] == "alice@example.com");

  auto mallory_browser = env.new_browser();
  auto out = env.login(mallory_browser, "mallory");
  auto self = mallory_browser.get(env.replica(0) + "/api/users/self");
  if (out.callback.status == 302) {
    auto mallory = json::parse(self.body);
    CHECK(mallory["id"] != alice["id"]);
    CHECK(mallory["email"] == "");  // the unverified address is not taken over
  } else {
    CHECK(out.callback.status == 409);
    CHECK(self.status == 401);
  }
  auto& redis = env.redis().client();
  auto alice_id = alice["id"].get<std::string>();  // a decimal string (issue 9: 64-bit random ids)
  CHECK(redis.command({"GET", "{sg:acct}:email:alice@example.com"}).text == alice_id);
  CHECK(redis.command({"SMEMBERS", "{sg:acct}:user-identities:" + alice_id}).elements.size() == 1);
  CHECK(redis.command({"GET", "{sg:acct}:identity:github:66"}).text != alice_id);
  auto alice_again = json::parse(alice_browser.get(env.replica(0) + "/api/users/self").body);
  CHECK(alice_again == alice);

  // GitHub logins shorter than 5 characters get a suffix; the key is the numeric id.
  auto bob_browser = env.new_browser();
  REQUIRE(env.login(bob_browser, "bob").callback.status == 302);
  auto bob = json::parse(bob_browser.get(env.replica(0) + "/api/users/self").body);
  CHECK(bob["username"].get<std::string>().rfind("bob_", 0) == 0);
  CHECK(redis.command({"GET", "{sg:acct}:identity:github:77"}).text == bob["id"].get<std::string>());
}
