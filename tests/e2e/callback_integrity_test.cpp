// Issue 9, the callback flow: a flow record and a one-time code are consumed only by the browser
// that started the login (one Lua check-and-delete), for code and error callbacks alike; and
// `process=connect` starts only from a POST carrying the CSRF token.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

namespace {
long token_requests(deployment& env) { return env.idp_stats()["token_requests"].get<long>(); }
bool flow_exists(deployment& env, const std::string& state) {
  return env.redis().client().command({"EXISTS", "sg:flow:" + sha256_hex(state)}).integer == 1;
}
long long flows_finished(deployment& env) {
  auto reply = env.redis().client().command({"GET", "sg:stats:flows-finished"});
  return reply.is_nil() ? 0 : std::stoll(reply.text);
}
std::string detail_of(const http_result& r) { return json::parse(r.body)["detail"].get<std::string>(); }
// The callback URL with the IdP's answer replaced by `error=access_denied` for the same state.
std::string error_callback(deployment& env, const std::string& state) {
  return env.site() + "/api/auth/github/login/callback/?error=access_denied&state=" + url_encode(state);
}
}  // namespace

TEST_CASE("a state tried from another browser consumes nothing and the right browser still signs in", "[e2e][callback][security]") {
  deployment env;
  auto victim = env.new_browser();
  auto begun = env.begin_login(victim, "octocat");
  auto before = token_requests(env);
  auto finished_before = flows_finished(env);

  auto stranger = env.new_browser();  // no binding cookie at all
  auto attacker = env.new_browser();
  env.begin_login(attacker, "mallory");  // a binding cookie of its own
  for (auto* other : {&stranger, &attacker}) {
    auto r = other->get(begun.callback_url, env.replica(0));
    CHECK(r.status == 400);
    CHECK(detail_of(r).find("another browser") != std::string::npos);
    CHECK(r.set_cookie("sg_sessionid").empty());
  }
  CHECK(token_requests(env) == before);  // no call to the IdP
  CHECK(flow_exists(env, begun.state));  // nothing consumed
  CHECK(flows_finished(env) == finished_before);

  auto done = victim.get(begun.callback_url, env.replica(0));
  CHECK(done.status == 302);
  CHECK_FALSE(done.set_cookie("sg_sessionid").empty());
  CHECK(victim.get(env.replica(0) + "/api/users/self").status == 200);
  CHECK_FALSE(flow_exists(env, begun.state));
  CHECK(flows_finished(env) == finished_before + 1);
}

TEST_CASE("an error callback from another browser leaves the flow and the right browser's own error ends it", "[e2e][callback][security]") {
  deployment env;
  auto victim = env.new_browser();
  auto begun = env.begin_login(victim, "octocat");

  // Someone who saw the state (a Referer, a log) tries to cancel the victim's login.
  auto attacker = env.new_browser();
  env.begin_login(attacker, "mallory");
  auto refused = attacker.get(error_callback(env, begun.state), env.replica(0));
  CHECK(refused.status == 400);
  CHECK(refused.header("Location").empty());
  auto stranger = env.new_browser();
  CHECK(stranger.get(error_callback(env, begun.state), env.replica(0)).status == 400);
  CHECK(flow_exists(env, begun.state));
  // The victim's login goes through regardless.
  auto done = victim.get(begun.callback_url, env.replica(0));
  CHECK(done.status == 302);
  CHECK_FALSE(done.set_cookie("sg_sessionid").empty());

  // From the browser that started it, an error ends the flow and goes to the login page.
  auto second = env.begin_login(victim, "octocat");
  auto finished_before = flows_finished(env);
  auto denied = victim.get(error_callback(env, second.state), env.replica(0));
  CHECK(denied.status == 302);
  CHECK(denied.header("Location") == "/auth/login");
  CHECK_FALSE(flow_exists(env, second.state));
  CHECK(flows_finished(env) == finished_before + 1);
  CHECK(victim.get(second.callback_url, env.replica(0)).status == 400);  // ended: the code is no use now
}

TEST_CASE("a one-time code tried from another browser consumes nothing and the right browser redeems it", "[e2e][cvat-ui][callback][security]") {
  deployment_options options;
  options.env["SOCIAL_AUTH_FLOW"] = "cvat-ui";
  deployment env(options);
  auto b = env.new_browser();
  auto out = env.login(b, "octocat");
  REQUIRE(out.callback.status == 302);
  auto code = query_value(out.callback.header("Location"), "code");
  auto body = json{{"code", code}}.dump();
  auto token_url = env.site() + "/api/auth/github/login/token";
  auto key = "sg:login-code:" + sha256_hex(code);

  auto attacker = env.new_browser();
  env.begin_login(attacker, "mallory");
  auto stranger = env.new_browser();
  for (auto* other : {&attacker, &stranger}) {
    auto r = other->post(token_url, body, "application/json", env.replica(0));
    CHECK(r.status == 400);
    CHECK(detail_of(r).find("another browser") != std::string::npos);
    CHECK(other->cookies.count("sg_sessionid") == 0);
  }
  CHECK(env.redis().client().command({"EXISTS", key}).integer == 1);

  auto redeemed = b.post(token_url, body, "application/json", env.replica(0));
  CHECK(redeemed.status == 200);
  CHECK(b.cookies.count("sg_sessionid") == 1);
  CHECK(env.redis().client().command({"EXISTS", key}).integer == 0);
  CHECK(b.post(token_url, body, "application/json", env.replica(0)).status == 400);  // single use
}

TEST_CASE("process=connect by GET is refused and by POST needs the CSRF token", "[e2e][accounts][callback][security]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "alice-dev").callback.status == 302);
  auto alice = json::parse(b.get(env.replica(0) + "/api/users/self").body)["id"];
  auto started_before = env.redis().client().command({"GET", "sg:stats:flows-started"}).text;
  auto start_url = env.replica(0) + "/api/auth/github/login/?process=connect";

  // A cross-site link or image: a plain GET with the victim's cookies starts nothing.
  auto by_get = b.get(start_url);
  CHECK(by_get.status == 405);
  CHECK(by_get.header("Location").empty());
  CHECK(detail_of(by_get).find("POST") != std::string::npos);
  // A cross-site form POST carries the cookies but cannot read the CSRF cookie.
  auto no_token = b.post(start_url, "", "application/x-www-form-urlencoded");
  CHECK(no_token.status == 403);
  CHECK(no_token.header("Location").empty());
  auto wrong_token = b.post(start_url, "csrfmiddlewaretoken=" + random_token(32), "application/x-www-form-urlencoded");
  CHECK(wrong_token.status == 403);
  CHECK(env.redis().client().command({"GET", "sg:stats:flows-started"}).text == started_before);
  // Not signed in at all.
  auto anonymous = env.new_browser();
  CHECK(anonymous.post(start_url, "", "application/x-www-form-urlencoded").status == 401);

  SECTION("the form field") {
    auto started = b.post(env.replica(0) + "/api/auth/github/login/",
                          "process=connect&csrfmiddlewaretoken=" + url_encode(b.cookies["sg_csrftoken"]),
                          "application/x-www-form-urlencoded");
    REQUIRE(started.status == 303);
    auto idp = b.get(started.header("Location") + "&dev_login=alice-work");
    REQUIRE(idp.status == 302);
    CHECK(b.get(idp.header("Location"), env.replica(0)).status == 302);
  }
  SECTION("the X-CSRFTOKEN header") {
    auto started = b.post(start_url, "", "application/x-www-form-urlencoded", "",
                          {{"X-CSRFTOKEN", b.cookies["sg_csrftoken"]}});
    REQUIRE(started.status == 303);
    auto idp = b.get(started.header("Location") + "&dev_login=alice-work");
    REQUIRE(idp.status == 302);
    CHECK(b.get(idp.header("Location"), env.replica(0)).status == 302);
  }
  // alice-work is now linked to alice: signing in with it elsewhere finds her.
  auto elsewhere = env.new_browser();
  REQUIRE(env.login(elsewhere, "alice-work").callback.status == 302);
  CHECK(json::parse(elsewhere.get(env.replica(0) + "/api/users/self").body)["id"] == alice);
}
