// Issue 9 (identity integrity), the account layer through real logins: socialgate replicas, the
// dev IdP and redis-server as processes. Each test failed against the old user store.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "support/deployment.hpp"

using namespace sg::test;
using json = nlohmann::json;

namespace {
json self_of(browser& b, deployment& env, std::size_t replica = 0) {
  auto self = b.get(env.replica(replica) + "/api/users/self");
  REQUIRE(self.status == 200);
  return json::parse(self.body);
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> keys_like(deployment& env, const std::string& pattern) {
  std::vector<std::string> out;
  for (const auto& k : env.redis().client().command({"KEYS", pattern}).elements) out.push_back(k.text);
  return out;
}

// A person at the dev IdP with one primary address.
std::string idp_user(const std::string& login, long long id, const std::string& name, const std::string& email,
                     bool verified) {
  return json{{"login", login}, {"id", id}, {"name", name},
              {"emails", json::array({{{"email", email}, {"primary", true}, {"verified", verified}}})}}
      .dump();
}

std::string account_key(const std::string& rest) { return "{sg:acct}:" + rest; }
}  // namespace

TEST_CASE("a user record deleted by an operator: the next login of that identity works and the replica stays up",
          "[e2e][accounts][integrity]") {
  deployment_options options;
  options.idp_users_json = "[" + idp_user("octocat", 583231, "Mona Octocat", "octocat@example.com", true) + "," +
                           idp_user("octo-twin", 583232, "Mona Twin", "octocat@example.com", true) + "]";
  deployment env(options);
  auto& redis = env.redis().client();

  auto first = env.new_browser();
  REQUIRE(env.login(first, "octocat").callback.status == 302);
  auto before = self_of(first, env);
  auto id = before["id"].get<std::string>();

  // The identity claim, the email claim and the username claim now name a missing user.
  REQUIRE(redis.command({"DEL", account_key("user:" + id)}).integer == 1);
  auto again = env.new_browser();
  REQUIRE(env.login(again, "octocat").callback.status == 302);
  auto after = self_of(again, env);
  CHECK(after["id"] != before["id"]);
  CHECK(after["username"] == "octocat");
  CHECK(env.replica_process(0).running());

  // An email claim naming a missing user, reached from another identity with that address.
  REQUIRE(redis.command({"DEL", account_key("user:" + after["id"].get<std::string>()),
                         account_key("identity:github:583231")}).integer == 2);
  auto twin = env.new_browser();
  REQUIRE(env.login(twin, "octo-twin").callback.status == 302);
  auto twin_user = self_of(twin, env);
  CHECK(twin_user["email"] == "octocat@example.com");
  CHECK(redis.command({"GET", account_key("email:octocat@example.com")}).text == twin_user["id"]);
  CHECK(env.replica_process(0).running());
  CHECK(twin.get(env.replica(0) + "/healthz").status == 200);
}

TEST_CASE("a Redis ACL that forbids one write: the login fails cleanly and leaves no partial user",
          "[e2e][accounts][integrity]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  auto& redis = env.redis().client();
  // socialgate's Redis user may run everything, but SADD only on session indexes: the account
  // set (user-identities) cannot be written, whatever the key layout.
  redis.command({"ACL", "SETUSER", "sg", "on", ">pw", "~*", "&*", "+@all", "-sadd", "(+sadd ~sg:user-sessions:*)"});
  env.start_replica({{"REDIS_URL", "redis://sg:pw@127.0.0.1:" + std::to_string(env.redis().port()) + "/0"}});

  auto b = env.new_browser();
  auto refused = env.login(b, "octocat").callback;
  CHECK(refused.status >= 500);  // a clear server-side failure (a misconfigured Redis user), never a 2xx/3xx
  CHECK(refused.status <= 503);
  CHECK(json::parse(refused.body).contains("detail"));
  CHECK(refused.set_cookie("sg_sessionid").empty());
  CHECK(b.get(env.replica(0) + "/api/users/self").status == 401);
  // Nothing of the user was written: no claim, no record, in either layout.
  CHECK(keys_like(env, "{sg:acct}:*").empty());
  for (const char* old : {"sg:user:*", "sg:identity:*", "sg:email:*", "sg:username:*", "sg:user-identities:*"})
    CHECK(keys_like(env, old).empty());
  CHECK(env.replica_process(0).running());

  redis.command({"ACL", "SETUSER", "sg", "+sadd"});
  auto retry = env.new_browser();
  REQUIRE(env.login(retry, "octocat").callback.status == 302);
  auto user = self_of(retry, env);
  CHECK(user["username"] == "octocat");
  CHECK(user["email"] == "octocat@example.com");
}

TEST_CASE("an unverified address from a Google-like IdP never blocks the verified owner's later GitHub sign-up",
          "[e2e][accounts][integrity][security]") {
  deployment_options options;
  options.oidc = true;
  options.idp_users_json = "[" + idp_user("squatter", 66, "Sam Squatter", "victim@example.com", false) + "," +
                           idp_user("victim", 10, "Vic Owner", "victim@example.com", true) + "]";
  deployment env(options);

  auto squatter = env.new_browser();
  REQUIRE(env.login(squatter, "squatter", 0, 0, "/", "google").callback.status == 302);
  auto squatter_user = self_of(squatter, env);
  CHECK(squatter_user["email_verified"] == false);
  auto seen = squatter.get(env.replica(0) + "/api/auth/verify");
  CHECK(seen.status == 200);
  CHECK(seen.header("X-Auth-Email").empty());  // an unverified address is never asserted downstream
  CHECK(seen.header("X-Auth-Email-Verified") == "false");
  CHECK(env.redis().client().command({"EXISTS", account_key("email:victim@example.com")}).integer == 0);

  auto victim = env.new_browser();
  auto out = env.login(victim, "victim");
  REQUIRE(out.callback.status == 302);  // the old code answered 409 here, for good
  auto victim_user = self_of(victim, env);
  CHECK(victim_user["id"] != squatter_user["id"]);
  CHECK(victim_user["email"] == "victim@example.com");
  CHECK(victim_user["email_verified"] == true);
  auto verify = victim.get(env.replica(0) + "/api/auth/verify");
  CHECK(verify.header("X-Auth-Email") == "victim@example.com");
  CHECK(verify.header("X-Auth-Email-Verified") == "true");
}

TEST_CASE("an untrusted IdP's verified address is refused with 409 and a trusted one is linked in any case",
          "[e2e][accounts][integrity][security]") {
  deployment_options options;
  options.oidc = true;
  options.idp_users_json = "[" + idp_user("octocat", 583231, "Mona Octocat", "octocat@example.com", true) + "," +
                           idp_user("octo-upper", 583299, "Mona Upper", "OCTOCAT@EXAMPLE.COM", true) + "," +
                           idp_user("newcomer", 7001, "New Comer", "newcomer@example.com", true) + "]";
  deployment env(options);
  // Replica 1 trusts Cognito for email (SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL); replica 0 does not.
  env.start_replica({{"SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL", "true"}});

  auto owner = env.new_browser();
  REQUIRE(env.login(owner, "octocat").callback.status == 302);  // GitHub
  auto octocat = self_of(owner, env);

  for (const char* login : {"octocat", "octo-upper"}) {
    INFO(login);
    // Cognito is not trusted for email by default: refused, and the message never names GitHub.
    for (const char* slug : {"amazon-cognito", "oidc/corp"}) {
      INFO(slug);
      auto b = env.new_browser();
      auto refused = env.login(b, login, 0, 0, "/", slug).callback;
      CHECK(refused.status == 409);
      auto detail = json::parse(refused.body)["detail"].get<std::string>();
      CHECK(detail.find("An account with this email address already exists") != std::string::npos);
      CHECK(detail.find("link this provider") != std::string::npos);
      CHECK(detail.find("GitHub") == std::string::npos);
      CHECK(detail.find("github") == std::string::npos);
      CHECK(b.get(env.replica(0) + "/api/users/self").status == 401);
    }
    // Google is trusted: the same person, one user.
    auto google = env.new_browser();
    REQUIRE(env.login(google, login, 0, 0, "/", "google").callback.status == 302);
    CHECK(self_of(google, env)["id"] == octocat["id"]);
    // Cognito with SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL=true: linked too.
    auto cognito = env.new_browser();
    REQUIRE(env.login(cognito, login, 1, 1, "/", "amazon-cognito").callback.status == 302);
    CHECK(self_of(cognito, env, 1)["id"] == octocat["id"]);
  }
  CHECK(self_of(owner, env)["providers"].size() == 5);  // github, google x2, amazon-cognito x2

  // An untrusted IdP's verified address on a new account: the user exists, but nobody downstream
  // is told the address is verified.
  auto newcomer = env.new_browser();
  REQUIRE(env.login(newcomer, "newcomer", 0, 0, "/", "amazon-cognito").callback.status == 302);
  auto verify = newcomer.get(env.replica(0) + "/api/auth/verify");
  CHECK(verify.status == 200);
  CHECK(verify.header("X-Auth-Email").empty());
  CHECK(verify.header("X-Auth-Email-Verified") == "false");
  CHECK(self_of(newcomer, env)["email_verified"] == false);
}

TEST_CASE("user ids are decimal strings and never reissued after FLUSHALL", "[e2e][accounts][integrity]") {
  deployment env;
  auto first = env.new_browser();
  REQUIRE(env.login(first, "octocat").callback.status == 302);
  auto user = self_of(first, env);
  REQUIRE(user["id"].is_string());
  auto id = user["id"].get<std::string>();
  CHECK(all_digits(id));
  CHECK(first.get(env.replica(0) + "/api/auth/verify").header("X-Auth-User-Id") == id);

  env.redis().client().command({"FLUSHALL"});
  auto other = env.new_browser();
  REQUIRE(env.login(other, "someone-else").callback.status == 302);
  auto next = self_of(other, env)["id"].get<std::string>();
  CHECK(all_digits(next));
  CHECK(next != id);
  CHECK(env.redis().client().command({"EXISTS", "sg:user-seq"}).integer == 0);
}

TEST_CASE("a reserved username (admin) from the IdP gets a suffix", "[e2e][accounts][integrity][security]") {
  deployment env;
  for (const char* login : {"admin", "Administrator", "root"}) {
    INFO(login);
    auto b = env.new_browser();
    REQUIRE(env.login(b, login).callback.status == 302);
    auto name = self_of(b, env)["username"].get<std::string>();
    std::string lower_login(login), lower_name(name);
    std::transform(lower_login.begin(), lower_login.end(), lower_login.begin(), ::tolower);
    std::transform(lower_name.begin(), lower_name.end(), lower_name.begin(), ::tolower);
    CHECK(lower_name != lower_login);
    CHECK(lower_name.rfind(lower_login + "_", 0) == 0);
    CHECK(b.get(env.replica(0) + "/api/auth/verify").header("X-Auth-Username") == name);
  }
}

TEST_CASE("start-up refuses old-layout account keys and migrate-keys converts them keeping the user id",
          "[e2e][accounts][migration]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  auto& redis = env.redis().client();
  // What the old code stored for octocat (GitHub id 583231) as user 5.
  redis.command({"HSET", "sg:user:5", "username", "octocat", "email", "octocat@example.com", "email_verified", "1",
                 "first_name", "Mona", "last_name", "Octocat", "created_via", "social", "created", "1700000000"});
  redis.command({"SADD", "sg:user-identities:5", "github:583231"});
  redis.command({"SET", "sg:identity:github:583231", "5"});
  redis.command({"SET", "sg:email:octocat@example.com", "5"});
  redis.command({"SET", "sg:username:octocat", "5"});
  redis.command({"SET", "sg:user-seq", "5"});

  auto refused = child_process({SG_SOCIALGATE_BIN}, env.socialgate_env(), env.scratch() + "/refused.log");
  CHECK(refused.wait_exit() == 2);
  auto message = refused.log();
  CHECK(message.find("old layout") != std::string::npos);
  CHECK(message.find("socialgate migrate-keys") != std::string::npos);
  CHECK(message.find("octocat@example.com") == std::string::npos);  // names the kind, never an address

  auto migrate = child_process({SG_SOCIALGATE_BIN, "migrate-keys"}, env.socialgate_env(), env.scratch() + "/migrate.log");
  CHECK(migrate.wait_exit() == 0);
  CHECK(migrate.log().find("moved 1 user key") != std::string::npos);
  CHECK(redis.command({"EXISTS", "sg:user:5", "sg:identity:github:583231", "sg:user-seq"}).integer == 0);
  auto twice = child_process({SG_SOCIALGATE_BIN, "migrate-keys"}, env.socialgate_env(), env.scratch() + "/again.log");
  CHECK(twice.wait_exit() == 0);  // idempotent
  CHECK(twice.log().find("nothing to migrate") != std::string::npos);

  env.start_replica();
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  auto user = self_of(b, env);
  CHECK(user["id"] == "5");
  CHECK(user["username"] == "octocat");
  CHECK(user["email_verified"] == true);
  CHECK(user["providers"] == json::array({"github"}));
}

TEST_CASE("a replica started while Redis was down refuses logins (503) until old-layout keys are migrated",
          "[e2e][accounts][migration]") {
  deployment_options options;
  options.replicas = 0;
  options.redis_persistence = true;
  deployment env(options);
  auto& redis = env.redis().client();
  redis.command({"HSET", "sg:user:5", "username", "octocat", "email", "octocat@example.com", "email_verified", "1",
                 "created_via", "social", "created", "1700000000"});
  redis.command({"SADD", "sg:user-identities:5", "github:583231"});
  redis.command({"SET", "sg:identity:github:583231", "5"});

  env.redis().stop();
  env.start_replica();  // cannot look at the keys: starts, and looks before the first account write
  env.redis().start();
  REQUIRE(redis.command({"EXISTS", "sg:user:5"}).integer == 1);

  auto b = env.new_browser();
  auto refused = env.login(b, "octocat").callback;
  CHECK(refused.status == 503);
  CHECK(redis.command({"KEYS", "{sg:acct}:*"}).elements.empty());  // no second octocat was made
  CHECK(env.replica_process(0).log().find("socialgate migrate-keys") != std::string::npos);

  auto migrate = child_process({SG_SOCIALGATE_BIN, "migrate-keys"}, env.socialgate_env(), env.scratch() + "/migrate.log");
  REQUIRE(migrate.wait_exit() == 0);
  auto again = env.new_browser();
  REQUIRE(env.login(again, "octocat").callback.status == 302);
  CHECK(self_of(again, env)["id"] == "5");
}
