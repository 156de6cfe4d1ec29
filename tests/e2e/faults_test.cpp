// A failing identity provider: the circuit breaker, isolation from the other providers, and
// hostile IdP answers, with the dev IdP's fault switches.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg::test;
using json = nlohmann::json;

namespace {
deployment_options breaker_deployment(const std::string& timeout = "5") {
  deployment_options options;
  options.oidc = true;
  options.env["SOCIALGATE_BREAKER_THRESHOLD"] = "3";
  options.env["SOCIALGATE_BREAKER_COOLDOWN_MS"] = "500";
  options.env["SOCIALGATE_IDP_TIMEOUT_SECONDS"] = timeout;
  return options;
}

std::string metrics(deployment& env) { return browser(env.site()).get(env.replica(0) + "/metrics").body; }

void breaker_opens_and_isolates(deployment& env, browser& signed_in) {
  for (int i = 0; i < 3; ++i) {
    auto b = env.new_browser();
    auto out = env.login(b, "octocat");
    CHECK(out.callback.status == 503);
    CHECK(out.callback.set_cookie("sg_sessionid").empty());
  }
  // Open: no user is sent to the failing IdP, and the answer is immediate: the breaker itself
  // refuses the start ("circuit open"), before any worker or IdP call, rather than a timeout.
  // (Shown by the answer, not timed: tests never assert a time.)
  auto b = env.new_browser();
  auto refused = b.get(env.replica(0) + "/api/auth/github/login/");
  CHECK(refused.status == 503);
  CHECK(json::parse(refused.body)["detail"].get<std::string>().find("circuit open") != std::string::npos);
  CHECK(refused.header("Location").empty());
  CHECK(metrics(env).find("socialgate_provider_breaker_open{provider=\"github\"} 1\n") != std::string::npos);
  // Other providers and session checks are untouched.
  auto other = env.new_browser();
  CHECK(env.login(other, "octocat", 0, 0, "/", "google").callback.status == 302);
  CHECK(signed_in.get(env.replica(0) + "/api/auth/verify").status == 200);
}
}  // namespace

TEST_CASE("an IdP answering 5xx opens its breaker and the provider recovers by itself", "[e2e][faults]") {
  deployment env(breaker_deployment());
  auto signed_in = env.new_browser();
  REQUIRE(env.login(signed_in, "octocat", 0, 0, "/", "google").callback.status == 302);
  REQUIRE(env.idp_post("/_dev/faults?target=github&error_rate=1") == 200);
  breaker_opens_and_isolates(env, signed_in);

  REQUIRE(env.idp_post("/_dev/faults?target=github") == 200);  // the IdP is back
  CHECK(wait_until([&] {
    auto b = env.new_browser();
    auto start = b.get(env.replica(0) + "/api/auth/github/login/");
    if (start.status != 302) return false;
    auto idp = b.get(start.header("Location") + "&dev_login=octocat");
    return b.get(idp.header("Location"), env.replica(0)).status == 302;
  }, std::chrono::seconds(10)));
  CHECK(metrics(env).find("socialgate_provider_breaker_open{provider=\"github\"} 0\n") != std::string::npos);
}

TEST_CASE("an IdP that hangs costs a bounded wait and then a fast 503", "[e2e][faults]") {
  deployment env(breaker_deployment("1"));
  auto signed_in = env.new_browser();
  REQUIRE(env.login(signed_in, "octocat", 0, 0, "/", "google").callback.status == 302);
  REQUIRE(env.idp_post("/_dev/faults?target=github&hang=1") == 200);
  breaker_opens_and_isolates(env, signed_in);
  REQUIRE(env.idp_post("/_dev/faults?target=github") == 200);
  CHECK(env.replica_process(0).running());
}

TEST_CASE("hostile IdP answers are a clear login failure and never a crash", "[e2e][faults][security]") {
  deployment_options options;
  options.env["SOCIALGATE_BREAKER_THRESHOLD"] = "100";
  deployment env(options);
  for (const std::string fault : {"oversize=1", "malformed=1", "close_mid_body=1"}) {
    INFO(fault);
    REQUIRE(env.idp_post("/_dev/faults?target=github&" + fault) == 200);
    auto b = env.new_browser();
    auto out = env.login(b, "octocat");
    CHECK((out.callback.status == 502 || out.callback.status == 503));
    CHECK(out.callback.set_cookie("sg_sessionid").empty());
    CHECK(json::parse(out.callback.body).contains("detail"));
  }
  REQUIRE(env.idp_post("/_dev/faults?target=github") == 200);
  auto b = env.new_browser();
  CHECK(env.login(b, "octocat").callback.status == 302);
  CHECK(env.replica_process(0).running());
}

TEST_CASE("invalid UTF-8 in the IdP's user answer is a 502 login failure and the replica keeps serving", "[e2e][faults][security][utf8]") {
  deployment_options options;
  options.oidc = true;  // Google-like: its UserInfo answer carries the bad bytes
  options.env["SOCIALGATE_BREAKER_THRESHOLD"] = "100";
  deployment env(options);
  for (const std::string provider : {"github", "google"}) {
    INFO(provider);
    REQUIRE(env.idp_post("/_dev/faults?target=" + provider + "&bad_utf8=1") == 200);
    auto before = env.idp_stats()["user_requests"].get<long>();
    auto b = env.new_browser();
    auto out = env.login(b, "octocat", 0, 0, "/", provider);
    CHECK(out.callback.status == 502);
    CHECK(out.callback.set_cookie("sg_sessionid").empty());
    CHECK(json::parse(out.callback.body)["detail"].get<std::string>().find("Sign-in failed") != std::string::npos);
    CHECK(env.idp_stats()["user_requests"].get<long>() == before);  // answered by the fault, not the user handler
    CHECK(env.replica_process(0).running());
    CHECK(b.get(env.replica(0) + "/api/users/self").status == 401);

    REQUIRE(env.idp_post("/_dev/faults?target=" + provider) == 200);
    auto again = env.new_browser();
    CHECK(env.login(again, "octocat", 0, 0, "/", provider).callback.status == 302);
    CHECK(env.replica_process(0).running());
  }
}
