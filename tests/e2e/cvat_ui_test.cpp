// SOCIAL_AUTH_FLOW=cvat-ui: the callback sends the browser to CVAT's login-with-social-app
// page with socialgate's own one-time code, which the page trades for a key.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/url.hpp"
#include "support/deployment.hpp"
#include "support/raw_http.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

namespace {
deployment_options cvat_ui(int replicas = 2) {
  deployment_options options;
  options.replicas = replicas;
  options.env["SOCIAL_AUTH_FLOW"] = "cvat-ui";
  return options;
}

http_result post_token(browser& b, deployment& env, std::size_t replica, const std::string& code,
                       const std::string& path = "/api/auth/github/login/token") {
  return b.post(env.site() + path, json{{"code", code}}.dump(), "application/json", env.replica(replica));
}
}  // namespace

TEST_CASE("cvat-ui flow: callback redirect with every value encoded and then the token POST", "[e2e][cvat-ui]") {
  deployment env(cvat_ui());
  auto b = env.new_browser();
  auto start = b.get(env.replica(0) + "/api/auth/github/login/?process=login&scope=read%3Aorg&auth_params=" +
                     url_encode("login=octocat&allow_signup=false"));
  REQUIRE(start.status == 302);
  auto authorize = start.header("Location");
  CHECK(query_value(authorize, "scope") == "read:user user:email read:org");
  CHECK(query_value(authorize, "login") == "octocat");
  CHECK(query_value(authorize, "allow_signup") == "false");

  auto idp = b.get(authorize + "&dev_login=octocat");
  auto idp_code = query_value(idp.header("Location"), "code");
  // The callback over a raw socket: the Location header exactly as socialgate wrote it.
  std::string cookie_header;
  for (const auto& [name, value] : b.cookies) cookie_header += name + "=" + value + "; ";
  auto [site_origin, callback_target] = split_url(idp.header("Location"));
  auto callback = raw_get(env.replica(1), callback_target, {{"Cookie", cookie_header}});
  REQUIRE(callback.status == 302);
  CHECK(callback.header("Set-Cookie").find("sg_sessionid") == std::string::npos);  // no session before the token POST
  auto landing = callback.header("Location");
  auto prefix = env.site() + "/auth/login-with-social-app/?";
  REQUIRE(landing.rfind(prefix, 0) == 0);
  // Exactly these parameters, in this order, each percent-encoded.
  auto code = query_value(landing, "code");
  CHECK(landing == prefix + "provider=github&code=" + code + "&process=login&scope=read%3Aorg&auth_params=" +
                       url_encode("login=octocat&allow_signup=false"));
  CHECK(code.size() == 43);
  CHECK(code != idp_code);  // socialgate's own code, never the IdP's

  auto token = post_token(b, env, 0, code);
  REQUIRE(token.status == 200);
  auto key = json::parse(token.body)["key"].get<std::string>();
  CHECK(b.cookies["sg_sessionid"] == key);
  CHECK(b.cookies.count("sg_csrftoken") == 1);
  browser api(env.site());
  CHECK(api.get(env.replica(1) + "/api/users/self", "", {{"Authorization", "Token " + key}}).status == 200);

  SECTION("a replayed code is refused") { CHECK(post_token(b, env, 1, code).status == 400); }
}

TEST_CASE("cvat-ui flow: the one-time code from another browser or too old is refused", "[e2e][cvat-ui][security]") {
  deployment env(cvat_ui(1));
  auto b = env.new_browser();
  auto out = env.login(b, "octocat");
  auto code = query_value(out.callback.header("Location"), "code");

  SECTION("another browser") {
    auto attacker = env.new_browser();
    env.begin_login(attacker, "mallory");  // with a binding cookie of its own
    CHECK(post_token(attacker, env, 0, code).status == 400);
    CHECK(attacker.cookies.count("sg_sessionid") == 0);
    // Issue 9: the refused attempt consumed nothing; the right browser still redeems the code.
    CHECK(post_token(b, env, 0, code).status == 200);
  }
  SECTION("too old") {
    auto key = "sg:login-code:" + sha256_hex(code);
    CHECK(env.redis().client().command({"TTL", key}).integer <= 60);
    env.redis().client().command({"PEXPIRE", key, "1"});
    REQUIRE(wait_until([&] { return env.redis().client().command({"EXISTS", key}).integer == 0; }));
    CHECK(post_token(b, env, 0, code).status == 400);
  }
  SECTION("form body and no trailing slash work too") {
    auto r = b.post(env.site() + "/api/auth/github/login/token", "code=" + url_encode(code),
                    "application/x-www-form-urlencoded", env.replica(0));
    CHECK(r.status == 200);
  }
  SECTION("made for another provider's path") {
    CHECK(post_token(b, env, 0, code, "/api/auth/social/github/login/token/").status == 200);
  }
}

TEST_CASE("login options outside the allow-lists are refused", "[e2e][cvat-ui][security]") {
  deployment env(cvat_ui(1));
  auto b = env.new_browser();
  for (const std::string& query : std::vector<std::string>{"process=steal", "scope=repo", "scope=admin%3Aorg",
                                  "auth_params=" + url_encode("redirect_uri=https://evil.example/"),
                                  "auth_params=" + url_encode("client_id=other"), "auth_params=%zz"}) {
    INFO(query);
    auto r = b.get(env.replica(0) + "/api/auth/github/login/?" + query);
    CHECK(r.status == 400);
    CHECK(r.header("Location").empty());
  }
  // process=connect only by POST with the CSRF token (issue 9); signed out, a POST gets 401.
  CHECK(b.get(env.replica(0) + "/api/auth/github/login/?process=connect").status == 405);
  CHECK(b.post(env.replica(0) + "/api/auth/github/login/?process=connect", "", "application/x-www-form-urlencoded")
            .status == 401);
}

TEST_CASE("mandatory email verification: Unverified email and no session", "[e2e][cvat-ui][accounts]") {
  deployment_options options = cvat_ui(1);
  options.env["ACCOUNT_EMAIL_VERIFICATION"] = "mandatory";
  deployment env(options);
  auto b = env.new_browser();
  auto out = env.login(b, "hubot-unverified");  // the dev IdP's user without a verified address
  auto code = query_value(out.callback.header("Location"), "code");
  auto token = post_token(b, env, 0, code);
  CHECK(token.status == 400);
  CHECK(json::parse(token.body)["detail"] == "Unverified email");
  CHECK(b.cookies.count("sg_sessionid") == 0);
  // No user made: no identity claim under any key layout.
  CHECK(env.redis().client().command({"KEYS", "*identity:github:1000000"}).elements.empty());

  auto direct = env.start_replica({{"SOCIAL_AUTH_FLOW", "direct"}});
  auto d = env.new_browser();
  auto refused = env.login(d, "hubot-unverified", direct, direct);
  CHECK(refused.callback.status == 400);
  CHECK(json::parse(refused.callback.body)["detail"] == "Unverified email");
  CHECK(d.cookies.count("sg_sessionid") == 0);
  CHECK(env.login(d, "octocat", direct, direct).callback.status == 302);  // verified: fine
}
