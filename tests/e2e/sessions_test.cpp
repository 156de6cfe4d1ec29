// Session management and account linking, seen from two replicas.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

namespace {
deployment_options two_replicas() {
  deployment_options options;
  options.replicas = 2;
  options.idp_users_json = R"([
    {"login": "alice-dev", "id": 10, "name": "Alice Doe", "emails": [{"email": "alice@example.com", "primary": true, "verified": true}]},
    {"login": "alice-work", "id": 11, "name": "Alice Doe", "emails": [{"email": "alice@work.example", "primary": true, "verified": true}]},
    {"login": "carol-dev", "id": 12, "name": "Carol", "emails": [{"email": "carol@example.com", "primary": true, "verified": true}]}
  ])";
  return options;
}
}  // namespace

TEST_CASE("sessions: list and revoke one and log out everywhere across replicas", "[e2e][sessions]") {
  deployment env(two_replicas());
  auto laptop = env.new_browser(), phone = env.new_browser();
  REQUIRE(env.login(laptop, "alice-dev", 0, 0).callback.status == 302);
  REQUIRE(env.login(phone, "alice-dev", 1, 1).callback.status == 302);

  auto listed = laptop.get(env.replica(1) + "/api/auth/sessions");
  REQUIRE(listed.status == 200);
  auto sessions = json::parse(listed.body);
  REQUIRE(sessions.size() == 2);
  std::string phone_handle;
  for (const auto& s : sessions) {
    CHECK(s["provider"] == "github");
    CHECK(s["user_agent"] == "sg-test-browser/1.0");
    CHECK(s["created"].get<long long>() > 0);
    CHECK(s["last_seen"].get<long long>() >= s["created"].get<long long>());
    CHECK(s["id"].get<std::string>().size() == 64);
    CHECK(s["id"] != laptop.cookies["sg_sessionid"]);  // a public handle, never the secret
    CHECK(s["id"] != phone.cookies["sg_sessionid"]);
    if (!s["current"].get<bool>()) phone_handle = s["id"];
  }
  REQUIRE_FALSE(phone_handle.empty());

  // Revoking needs the CSRF header with cookie authentication, none with a key.
  auto revoke_url = env.replica(0) + "/api/auth/sessions/" + phone_handle;
  CHECK(laptop.send_delete(revoke_url).status == 403);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 200);
  CHECK(laptop.send_delete(revoke_url, {{"X-CSRFTOKEN", laptop.cookies["sg_csrftoken"]}}).status == 204);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 401);  // at once, on the other replica
  CHECK(laptop.get(env.replica(1) + "/api/auth/verify").status == 200);
  CHECK(laptop.send_delete(revoke_url, {{"X-CSRFTOKEN", laptop.cookies["sg_csrftoken"]}}).status == 404);

  // Another user's handle is "not found".
  auto carol = env.new_browser();
  REQUIRE(env.login(carol, "carol-dev").callback.status == 302);
  auto carol_handle = json::parse(carol.get(env.replica(0) + "/api/auth/sessions").body)[0]["id"].get<std::string>();
  browser api(env.site());
  CHECK(api.send_delete(env.replica(0) + "/api/auth/sessions/" + carol_handle,
                        {{"Authorization", "Token " + laptop.cookies["sg_sessionid"]}}).status == 404);
  CHECK(carol.get(env.replica(0) + "/api/auth/verify").status == 200);

  // Log out everywhere, seen from the other replica.
  REQUIRE(env.login(phone, "alice-dev", 1, 1).callback.status == 302);
  auto all = laptop.post(env.replica(0) + "/api/auth/logout", R"({"all": true})", "application/json", "",
                         {{"X-CSRFTOKEN", laptop.cookies["sg_csrftoken"]}});
  CHECK(all.status == 200);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 401);
  CHECK(carol.get(env.replica(1) + "/api/auth/verify").status == 200);
}

TEST_CASE("process=connect links a second account to the signed-in user", "[e2e][accounts]") {
  deployment env(two_replicas());
  auto b = env.new_browser();
  REQUIRE(env.login(b, "alice-dev").callback.status == 302);
  auto alice = json::parse(b.get(env.replica(0) + "/api/users/self").body);

  // Linking starts only from a POST with the CSRF token (issue 9).
  auto start = b.post(env.replica(0) + "/api/auth/github/login/?process=connect", "", "application/x-www-form-urlencoded",
                      "", {{"X-CSRFTOKEN", b.cookies["sg_csrftoken"]}});
  REQUIRE(start.status == 303);
  auto idp = b.get(start.header("Location") + "&dev_login=alice-work");
  auto connected = b.get(idp.header("Location"), env.replica(1));
  REQUIRE(connected.status == 302);
  auto after = json::parse(b.get(env.replica(1) + "/api/users/self").body);
  CHECK(after["id"] == alice["id"]);
  CHECK(after["providers"].size() == 2);
  CHECK(env.redis().client().command({"GET", "{sg:acct}:identity:github:11"}).text == alice["id"].get<std::string>());

  // Signing in with the connected account now finds the same user.
  auto other = env.new_browser();
  REQUIRE(env.login(other, "alice-work").callback.status == 302);
  CHECK(json::parse(other.get(env.replica(0) + "/api/users/self").body)["id"] == alice["id"]);

  // An account already linked to someone else cannot be connected.
  auto carol = env.new_browser();
  REQUIRE(env.login(carol, "carol-dev").callback.status == 302);
  auto steal = carol.post(env.replica(0) + "/api/auth/github/login/?process=connect", "",
                          "application/x-www-form-urlencoded", "", {{"X-CSRFTOKEN", carol.cookies["sg_csrftoken"]}});
  REQUIRE(steal.status == 303);
  auto idp2 = carol.get(steal.header("Location") + "&dev_login=alice-dev");
  auto refused = carol.get(idp2.header("Location"), env.replica(0));
  CHECK(refused.status == 409);
  CHECK(env.redis().client().command({"GET", "{sg:acct}:identity:github:10"}).text == alice["id"].get<std::string>());
}
