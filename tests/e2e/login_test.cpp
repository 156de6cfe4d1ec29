// A whole GitHub sign-in through the dev IdP, as a browser sees it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg::test;
using json = nlohmann::json;

TEST_CASE("full GitHub login: redirect and cookies and /api/users/self and /api/auth/verify", "[e2e][login]") {
  deployment env;
  auto b = env.new_browser();
  auto out = env.login(b, "octocat", 0, 0, "/tasks/1");

  // Login start: the authorize request of SPEC section 4.
  auto authorize = out.start.header("Location");
  CHECK(authorize.rfind(env.idp_url() + "/login/oauth/authorize?", 0) == 0);
  CHECK(query_value(authorize, "response_type") == "code");
  CHECK(query_value(authorize, "client_id") == "test-client");
  CHECK(query_value(authorize, "redirect_uri") == env.site() + "/api/auth/github/login/callback/");
  CHECK(query_value(authorize, "scope") == "read:user user:email");
  CHECK(query_value(authorize, "state").size() == 43);
  CHECK(query_value(authorize, "code_challenge").size() == 43);
  CHECK(query_value(authorize, "code_challenge_method") == "S256");
  CHECK(out.start.header("Cache-Control") == "no-store");
  CHECK(out.start.set_cookie("sg_binding").find("HttpOnly") != std::string::npos);

  // Callback: session and CSRF cookies, then `next`.
  REQUIRE(out.callback.status == 302);
  CHECK(out.callback.header("Location") == "/tasks/1");
  auto session_cookie = out.callback.set_cookie("sg_sessionid");
  CHECK(session_cookie.find("; Path=/") != std::string::npos);
  CHECK(session_cookie.find("; HttpOnly") != std::string::npos);
  CHECK(session_cookie.find("; SameSite=Lax") != std::string::npos);
  CHECK(session_cookie.find("; Max-Age=1209600") != std::string::npos);
  CHECK(session_cookie.find("Secure") == std::string::npos);  // the base URL is http
  CHECK(out.callback.set_cookie("sg_csrftoken").find("HttpOnly") == std::string::npos);
  REQUIRE(b.cookies.count("sg_sessionid"));
  CHECK(b.cookies["sg_sessionid"].size() == 43);  // 32 random bytes

  auto self = b.get(env.replica(0) + "/api/users/self");
  REQUIRE(self.status == 200);
  auto user = json::parse(self.body);
  CHECK(user["username"] == "octocat");
  CHECK(user["email"] == "octocat@example.com");
  CHECK(user["first_name"] == "Mona");
  CHECK(user["created_via"] == "social");
  CHECK(user["providers"] == json::array({"github"}));

  auto verify = b.get(env.replica(0) + "/api/auth/verify");
  CHECK(verify.status == 200);
  CHECK(verify.header("X-Auth-User-Id") == user["id"].get<std::string>());  // ids are decimal strings (issue 9)
  CHECK(verify.header("X-Auth-Username") == "octocat");
  CHECK(verify.header("X-Auth-Email") == "octocat@example.com");
  CHECK(verify.header("X-Auth-Provider") == "github");

  // The same id signs in again from another browser: same user, a new session id.
  auto other = env.new_browser();
  REQUIRE(env.login(other, "octocat").callback.status == 302);
  CHECK(other.cookies["sg_sessionid"] != b.cookies["sg_sessionid"]);
  auto again = json::parse(other.get(env.replica(0) + "/api/users/self").body);
  CHECK(again["id"] == user["id"]);
  CHECK(b.get(env.replica(0) + "/api/users/self").status == 200);  // the first session still works
}

TEST_CASE("API clients authenticate with Token or Bearer and no session gives 401 and never a redirect", "[e2e][login]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  auto key = b.cookies["sg_sessionid"];
  browser api(env.site());
  for (const std::string scheme : {"Token ", "Bearer "}) {
    auto r = api.get(env.replica(0) + "/api/users/self", "", {{"Authorization", scheme + key}});
    CHECK(r.status == 200);
  }
  CHECK(api.get(env.replica(0) + "/api/users/self", "", {{"Authorization", "Token wrong-key-0123456789abcdef"}}).status == 401);
  auto anonymous = api.get(env.replica(0) + "/api/auth/verify");
  CHECK(anonymous.status == 401);
  CHECK(anonymous.header("Location").empty());
  CHECK(api.get(env.replica(0) + "/api/users/self").status == 401);
}

TEST_CASE("an https base URL makes the cookies Secure", "[e2e][login][security]") {
  deployment_options options;
  options.site = "https://socialgate.test";
  deployment env(options);
  auto b = env.new_browser();
  auto out = env.login(b, "octocat");
  REQUIRE(out.callback.status == 302);
  // With the __Host- prefix (issue 19): only this host, Secure, Path=/, no Domain.
  for (const auto& line : {out.callback.set_cookie("__Host-sg_sessionid"), out.callback.set_cookie("__Host-sg_csrftoken"),
                           out.start.set_cookie("__Host-sg_binding")}) {
    INFO(line);
    CHECK(line.find("; Secure") != std::string::npos);
    CHECK(line.find("; Path=/;") != std::string::npos);
    CHECK(line.find("Domain") == std::string::npos);
  }
  CHECK(out.callback.set_cookie("sg_sessionid").empty());
}

TEST_CASE("logout needs the CSRF header with cookie authentication", "[e2e][logout][security]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  auto logout = env.replica(0) + "/api/auth/logout";

  auto no_header = b.post(logout, "", "application/json");
  CHECK(no_header.status == 403);
  auto wrong = b.post(logout, "", "application/json", "", {{"X-CSRFTOKEN", "not-the-token"}});
  CHECK(wrong.status == 403);
  CHECK(b.get(env.replica(0) + "/api/users/self").status == 200);  // the session stays

  auto ok = b.post(logout, "", "application/json", "", {{"X-CSRFTOKEN", b.cookies["sg_csrftoken"]}});
  CHECK(ok.status == 200);
  CHECK(json::parse(ok.body)["detail"] == "Successfully logged out.");
  CHECK(ok.set_cookie("sg_sessionid").find("Max-Age=0") != std::string::npos);
  CHECK(b.cookies.count("sg_sessionid") == 0);
}

TEST_CASE("logout with all set to true ends every session of the user", "[e2e][logout]") {
  deployment env;
  auto first = env.new_browser(), second = env.new_browser();
  REQUIRE(env.login(first, "octocat").callback.status == 302);
  REQUIRE(env.login(second, "octocat").callback.status == 302);
  auto stale_key = first.cookies["sg_sessionid"];
  browser api(env.site());
  auto r = api.post(env.replica(0) + "/api/auth/logout", R"({"all": true})", "application/json", "",
                    {{"Authorization", "Token " + second.cookies["sg_sessionid"]}});
  CHECK(r.status == 200);
  CHECK(first.get(env.replica(0) + "/api/users/self").status == 401);
  CHECK(second.get(env.replica(0) + "/api/users/self").status == 401);
  CHECK(api.get(env.replica(0) + "/api/auth/verify", "", {{"Authorization", "Token " + stale_key}}).status == 401);
}

TEST_CASE("methods listing and login page and paths and health endpoints", "[e2e][api]") {
  deployment env;
  browser b(env.site());
  auto methods = b.get(env.replica(0) + "/api/auth/social/methods/");
  REQUIRE(methods.status == 200);
  auto listing = json::parse(methods.body);
  CHECK(listing["github"]["is_enabled"] == true);
  CHECK(listing["github"]["public_name"] == "GitHub");
  CHECK(listing["github"]["icon"].get<std::string>().rfind("<svg", 0) == 0);
  CHECK(listing["google"]["is_enabled"] == false);
  CHECK(listing["amazon-cognito"]["is_enabled"] == false);
  CHECK(methods.body.find("test-secret") == std::string::npos);
  auto enterprise_alias = b.get(env.replica(0) + "/api/auth/social");
  CHECK(enterprise_alias.status == 200);
  CHECK(enterprise_alias.body == methods.body);

  auto page = b.get(env.replica(0) + "/", "", {{"Accept", "text/html"}});
  CHECK(page.status == 200);
  CHECK(page.body.find("/api/auth/github/login/") != std::string::npos);
  CHECK(page.body.find("Sign in with GitHub") != std::string::npos);
  CHECK(b.get(env.replica(0) + "/auth/login").status == 200);

  // With and without the trailing slash, and under the /api/auth/social/ alias.
  CHECK(b.get(env.replica(0) + "/api/auth/github/login").status == 302);
  CHECK(b.get(env.replica(0) + "/api/auth/social/github/login/").status == 302);
  auto unknown = b.get(env.replica(0) + "/api/auth/gitlab/login/");
  CHECK(unknown.status == 404);
  CHECK(json::parse(unknown.body).contains("detail"));
  CHECK(b.get(env.replica(0) + "/api/auth/google/login/").status == 404);

  CHECK(b.get(env.replica(0) + "/healthz").status == 200);
  auto ready = b.get(env.replica(0) + "/readyz");
  CHECK(ready.status == 200);
  auto components = json::parse(ready.body)["components"];
  CHECK(components["redis"]["ready"] == true);
  CHECK(components["providers"]["github"]["ready"] == true);
  CHECK(b.get(env.replica(0) + "/metrics").body.find("socialgate_provider_pool_ready{provider=\"github\"} 1\n") != std::string::npos);
}

TEST_CASE("with the master switch off nothing is offered", "[e2e][api]") {
  deployment env;
  auto off = env.start_replica({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "False"}});
  browser b(env.site());
  auto methods = b.get(env.replica(off) + "/api/auth/social/methods/");
  CHECK(methods.status == 200);
  CHECK(methods.body == "{}");
  CHECK(b.get(env.replica(off) + "/api/auth/github/login/").status == 404);
}

TEST_CASE("next: relative paths are honoured and addresses off the site refused at login start", "[e2e][next][security]") {
  deployment env;
  auto b = env.new_browser();
  for (const std::string next : {"//evil.example", "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example",
                                 "/%5Cevil.example", "/%09/evil.example", "javascript:alert(1)", "/\x01x"}) {
    INFO("next = " << next);
    auto r = b.get(env.replica(0) + "/api/auth/github/login/?next=" + sg::url_encode(next));
    CHECK(r.status == 400);
    CHECK(r.header("Location").empty());
  }
  auto out = env.login(b, "octocat", 0, 0, "/projects?page=2");
  CHECK(out.callback.header("Location") == "/projects?page=2");
  auto absolute = env.login(b, "octocat", 0, 0, env.site() + "/tasks");
  CHECK(absolute.callback.header("Location") == env.site() + "/tasks");
}

TEST_CASE("metrics count requests by route and logins by provider and reason with latency histograms", "[e2e][metrics]") {
  deployment env;
  auto b = env.new_browser();
  auto out = env.login(b, "octocat");
  REQUIRE(out.callback.status == 302);
  REQUIRE(b.get(out.callback_url, env.replica(0)).status == 400);  // replayed: unknown state
  auto metrics = browser(env.site()).get(env.replica(0) + "/metrics").body;
  INFO(metrics);
  for (const char* line : {"socialgate_requests_total{route=\"login_callback\",status=\"302\"} 1\n",
                           "socialgate_requests_total{route=\"login_callback\",status=\"400\"} 1\n",
                           "socialgate_requests_total{route=\"login_start\",status=\"302\"} 1\n",
                           "socialgate_login_attempts_total{provider=\"github\"} 2\n",
                           "socialgate_login_successes_total{provider=\"github\"} 1\n",
                           "socialgate_login_failures_total{provider=\"github\",reason=\"unknown_state\"} 1\n",
                           "socialgate_sessions_created_total{provider=\"github\"} 1\n",
                           "socialgate_login_seconds_count{provider=\"github\"} 1\n",
                           "socialgate_idp_call_seconds_count{provider=\"github\"} 1\n",
                           "socialgate_idp_call_seconds_bucket{provider=\"github\",le=\"+Inf\"} 1\n"})
    CHECK(metrics.find(line) != std::string::npos);
}
