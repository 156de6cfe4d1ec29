// The dev IdP speaks GitHub's protocol the way github.com does, including its quirks: token
// errors as HTTP 200, form-encoded replies unless JSON is asked for, a required User-Agent.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;

TEST_CASE("dev IdP: GitHub token endpoint behaviour", "[e2e][dev-idp]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  httplib::Client idp(env.idp_url());
  auto redirect = env.site() + "/api/auth/github/login/callback/";
  auto verifier = random_token(32);
  auto authorize = idp.Get(("/login/oauth/authorize?" + build_query({{"client_id", "test-client"},
                                                                      {"redirect_uri", redirect},
                                                                      {"state", "s"},
                                                                      {"code_challenge", pkce_s256_challenge(verifier)},
                                                                      {"code_challenge_method", "S256"},
                                                                      {"dev_login", "octocat"}}))
                               .c_str());
  REQUIRE(authorize);
  REQUIRE(authorize->status == 302);
  auto code = query_value(authorize->get_header_value("Location"), "code");

  auto wrong_secret = idp.Post("/login/oauth/access_token",
                               build_query({{"client_id", "test-client"}, {"client_secret", "nope"}, {"code", code}}),
                               "application/x-www-form-urlencoded");
  CHECK(wrong_secret->status == 200);
  CHECK(wrong_secret->body.find("error=incorrect_client_credentials") == 0);  // form-encoded by default

  auto form = build_query({{"client_id", "test-client"}, {"client_secret", "test-secret"}, {"code", code},
                           {"redirect_uri", redirect}, {"code_verifier", verifier}});
  auto ok = idp.Post("/login/oauth/access_token", {{"Accept", "application/json"}}, form, "application/x-www-form-urlencoded");
  REQUIRE(ok->status == 200);
  auto token = nlohmann::json::parse(ok->body)["access_token"].get<std::string>();
  CHECK_FALSE(token.empty());
  auto reused = idp.Post("/login/oauth/access_token", {{"Accept", "application/json"}}, form, "application/x-www-form-urlencoded");
  CHECK(nlohmann::json::parse(reused->body)["error"] == "bad_verification_code");  // codes are single use

  httplib::Client api(env.idp_url());
  api.set_default_headers({{"Authorization", "token " + token}});
  auto no_agent = api.Get("/user", {{"User-Agent", ""}});
  CHECK(no_agent->status == 403);
  auto user = api.Get("/api/v3/user", {{"User-Agent", "t"}});
  REQUIRE(user->status == 200);
  CHECK(nlohmann::json::parse(user->body)["login"] == "octocat");
  api.set_default_headers({{"Authorization", "token wrong"}});
  CHECK(api.Get("/user/emails", {{"User-Agent", "t"}})->status == 401);
}

TEST_CASE("GitHub Enterprise: API calls go to SOCIAL_AUTH_GITHUB_API_URL", "[e2e][login]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  env.start_replica({{"SOCIAL_AUTH_GITHUB_API_URL", env.idp_url() + "/api/v3"}});
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  CHECK(b.get(env.replica(0) + "/api/users/self").status == 200);
  auto stats = env.idp_stats();
  CHECK(stats["user_requests"] == 2);            // /user and /user/emails ...
  CHECK(stats["enterprise_api_requests"] == 2);  // ... both under /api/v3
}

// The switches the identity-integrity tests rely on (issue 9): a key replaced under the same kid,
// and discovery documents with a foreign token endpoint or a javascript: authorization endpoint.
TEST_CASE("dev IdP: same-kid rotation and hostile discovery modes", "[e2e][dev-idp][oidc]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  httplib::Client idp(env.idp_url());
  auto jwks = [&] { return nlohmann::json::parse(idp.Get("/oidc/jwks")->body)["keys"][0]; };
  auto before = jwks();
  REQUIRE(idp.Post("/oidc/_dev/rotate-keys?same_kid=1")->status == 200);
  auto same = jwks();
  CHECK(same["kid"] == before["kid"]);
  CHECK(same["x"] != before["x"]);  // a new EC key
  REQUIRE(idp.Post("/oidc/_dev/rotate-keys")->status == 200);
  CHECK(jwks()["kid"] != before["kid"]);

  auto discovery = [&] { return nlohmann::json::parse(idp.Get("/google/.well-known/openid-configuration")->body); };
  auto port = env.idp_url().substr(env.idp_url().rfind(':'));
  CHECK(discovery()["token_endpoint"] == env.idp_url() + "/google/token");
  REQUIRE(idp.Post("/google/_dev/misbehave?mode=foreign-endpoints")->status == 200);
  CHECK(discovery()["token_endpoint"] == "http://localhost" + port + "/google/token");
  CHECK(discovery()["issuer"] == env.idp_url() + "/google");
  REQUIRE(idp.Post("/google/_dev/misbehave?mode=javascript-endpoint")->status == 200);
  CHECK(discovery()["authorization_endpoint"].get<std::string>().rfind("javascript:", 0) == 0);
}
