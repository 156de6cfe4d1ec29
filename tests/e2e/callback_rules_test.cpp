// The callback rules of SPEC section 3, each tried the way an attacker would.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "session-store/flow_store.hpp"
#include "session-store/session_store.hpp"
#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
long token_requests(deployment& env) { return env.idp_stats()["token_requests"].get<long>(); }
std::string flow_key(const std::string& state) { return "sg:flow:" + sha256_hex(state); }
}  // namespace

TEST_CASE("a replayed state gets 400 and the IdP sees no second token request", "[e2e][callback][security]") {
  deployment env;
  auto b = env.new_browser();
  auto out = env.login(b, "octocat");
  REQUIRE(out.callback.status == 302);
  auto before = token_requests(env);
  auto replay = b.get(out.callback_url, env.replica(0));
  CHECK(replay.status == 400);
  CHECK(replay.set_cookie("sg_sessionid").empty());
  CHECK(token_requests(env) == before);
}

TEST_CASE("a state used in another browser gets 400 before any call to the IdP", "[e2e][callback][security]") {
  deployment env;
  auto victim = env.new_browser();
  auto begun = env.begin_login(victim, "octocat");
  auto before = token_requests(env);

  SECTION("no binding cookie") {
    auto attacker = env.new_browser();
    auto r = attacker.get(begun.callback_url, env.replica(0));
    CHECK(r.status == 400);
    CHECK(nlohmann::json::parse(r.body)["detail"].get<std::string>().find("another browser") != std::string::npos);
  }
  SECTION("a different binding cookie") {
    auto attacker = env.new_browser();
    env.begin_login(attacker, "mallory");  // the attacker has a binding cookie of its own
    auto r = attacker.get(begun.callback_url, env.replica(0));
    CHECK(r.status == 400);
    CHECK(r.set_cookie("sg_sessionid").empty());
  }
  CHECK(token_requests(env) == before);
  // Issue 9: the refused attempt consumed nothing (it cannot cancel the victim's login); the
  // victim's own browser still finishes it.
  CHECK(env.redis().client().command({"EXISTS", flow_key(begun.state)}).integer == 1);
  CHECK(victim.get(begun.callback_url, env.replica(0)).status == 302);
}

TEST_CASE("a state made for another provider gets 400", "[e2e][callback][security]") {
  deployment env;
  auto b = env.new_browser();
  env.begin_login(b, "octocat");  // gives the browser its binding cookie
  flow_store flows(env.redis().client(), "sg:", 600);
  flow_record record;
  record.provider = "google";
  record.code_verifier = "v";
  record.binding_hash = sha256_hex(b.cookies["sg_binding"]);
  record.created_at = unix_now();
  sync_wait(flows.put("state-made-for-google-0123456789", record));
  auto before = token_requests(env);
  auto r = b.get(env.site() + "/api/auth/github/login/callback/?code=c&state=state-made-for-google-0123456789",
                 env.replica(0));
  CHECK(r.status == 400);
  CHECK(nlohmann::json::parse(r.body)["detail"].get<std::string>().find("another provider") != std::string::npos);
  CHECK(token_requests(env) == before);
}

TEST_CASE("an expired state gets 400", "[e2e][callback][security]") {
  deployment env;
  auto b = env.new_browser();
  auto begun = env.begin_login(b, "octocat");
  auto key = flow_key(begun.state);
  CHECK(env.redis().client().command({"TTL", key}).integer > 500);
  env.redis().client().command({"PEXPIRE", key, "1"});
  REQUIRE(wait_until([&] { return env.redis().client().command({"EXISTS", key}).integer == 0; }));
  auto before = token_requests(env);
  CHECK(b.get(begun.callback_url, env.replica(0)).status == 400);
  CHECK(token_requests(env) == before);
}

TEST_CASE("a tampered PKCE verifier makes the IdP refuse the code", "[e2e][callback][security]") {
  deployment env;
  auto b = env.new_browser();
  auto begun = env.begin_login(b, "octocat");
  auto key = flow_key(begun.state);
  auto record = nlohmann::json::parse(env.redis().client().command({"GET", key}).text);
  record["verifier"] = random_token(32);
  env.redis().client().command({"SET", key, record.dump(), "EX", "600"});
  auto r = b.get(begun.callback_url, env.replica(0));
  CHECK(r.status == 400);
  CHECK(r.body.find("bad_verification_code") != std::string::npos);
  CHECK(r.set_cookie("sg_sessionid").empty());
}

TEST_CASE("IdP errors: access_denied goes to /auth/login and others are shown escaped", "[e2e][callback]") {
  deployment env;
  auto b = env.new_browser();
  auto start = b.get(env.replica(0) + "/api/auth/github/login/");
  auto denied = b.get(start.header("Location") + "&dev_deny=1");
  auto callback_url = denied.header("Location");
  CHECK(query_value(callback_url, "error") == "access_denied");
  auto state = query_value(callback_url, "state");
  auto r = b.get(callback_url, env.replica(0));
  CHECK(r.status == 302);
  CHECK(r.header("Location") == "/auth/login");
  CHECK(env.redis().client().command({"EXISTS", flow_key(state)}).integer == 0);

  auto html = b.get(env.site() + "/api/auth/github/login/callback/?error=server_error&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                    env.replica(0), {{"Accept", "text/html"}});
  CHECK(html.status == 400);
  CHECK(html.header("Content-Type").find("text/html") != std::string::npos);
  CHECK(html.body.find("<script>") == std::string::npos);
  CHECK(html.body.find("&lt;script&gt;") != std::string::npos);

  auto missing = b.get(env.site() + "/api/auth/github/login/callback/?state=x", env.replica(0));
  CHECK(missing.status == 400);
  CHECK(nlohmann::json::parse(missing.body).contains("detail"));
}

TEST_CASE("Redis holds no raw session id and no raw state value", "[e2e][security]") {
  deployment env;
  auto b = env.new_browser();
  auto begun = env.begin_login(b, "octocat");
  auto pending = env.begin_login(b, "octocat");  // a second flow, still open
  auto done = b.get(begun.callback_url, env.replica(0));
  REQUIRE(done.status == 302);
  std::vector<std::string> secrets = {b.cookies["sg_sessionid"], b.cookies["sg_csrftoken"], b.cookies["sg_binding"],
                                      begun.state, pending.state, query_value(pending.callback_url, "code")};
  auto& redis = env.redis().client();
  auto keys = redis.command({"KEYS", "*"});
  REQUIRE(keys.elements.size() > 5);
  std::string everything;
  for (const auto& key : keys.elements) {
    everything += key.text + "\n";
    auto type = redis.command({"TYPE", key.text}).text;
    if (type == "string") everything += redis.command({"GET", key.text}).text;
    else if (type == "hash") for (auto& e : redis.command({"HGETALL", key.text}).elements) everything += e.text + "\n";
    else if (type == "set") for (auto& e : redis.command({"SMEMBERS", key.text}).elements) everything += e.text + "\n";
  }
  for (const auto& secret : secrets) {
    REQUIRE(secret.size() >= 20);
    CHECK(everything.find(secret) == std::string::npos);
  }
  // And every key that belongs to a login in progress or a session expires by itself.
  for (const auto& key : keys.elements)
    if (key.text.rfind("sg:flow:", 0) == 0 || key.text.rfind("sg:session:", 0) == 0 ||
        key.text.rfind("sg:user-sessions:", 0) == 0)
      CHECK(redis.command({"TTL", key.text}).integer > 0);
}
