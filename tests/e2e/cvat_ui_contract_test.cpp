// Issue 11: what each CVAT UI generation asks of socialgate, request by request as that release's
// sources make it, against two replicas (started on one, finished on the other), with the JSON
// checked field by field. Sources, in the opencv/cvat repository:
//   v2.3.0: cvat-core/src/server-proxy.ts (advancedAuthentication: GET /api/server/advanced-auth;
//           loginWithSocialAccount: POST /api/auth/<provider>/login/token), cvat/apps/engine/views.py
//           (advanced_authentication's two booleans), cvat-ui/src/components/login-page/login-page.tsx
//           (links /api/auth/github/login and /api/auth/google/login, no trailing slash).
//   v2.4.0, v2.4.1: cvat-core/src/server-proxy.ts (socialAuthentication: GET /api/auth/social;
//           selectSSOIdentityProvider: GET /api/auth/oidc/select-idp/?email|iss, a string),
//           cvat-core/src/auth-methods.ts (public_name, is_enabled, icon, selection_schema),
//           cvat-ui/src/components/login-page/login-page.tsx (/api/auth/social/<p>/login/, the `sso`
//           entry), cvat-ui/src/components/login-with-social-app/login-with-sso.tsx (lowest_weight asks
//           select-idp with no parameter, then opens /api/auth/oidc/<id>/login/) and
//           login-with-social-app.tsx (/auth/login-with-oidc/ posts to /api/auth/oidc/<provider>/login/token/).
// Axios sends `Accept: application/json, text/plain, */*` and JSON bodies.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

namespace {
const std::map<std::string, std::string> axios = {{"Accept", "application/json, text/plain, */*"}};

deployment_options two_replicas(bool oidc, std::map<std::string, std::string> env = {}) {
  deployment_options options;
  options.replicas = 2;
  options.oidc = oidc;
  options.env = std::move(env);
  return options;
}

// The UI's token POST (server-proxy.ts loginWithSocialAccount): {"code": ...} as JSON.
http_result post_token(browser& b, const deployment& env, std::size_t replica, const std::string& path,
                       const std::string& code) {
  auto headers = axios;
  return b.post(env.site() + path, json{{"code", code}}.dump(), "application/json", env.replica(replica), headers);
}

// The listing entry of one social provider, field by field.
void check_entry(const json& entry, bool enabled, const std::string& public_name) {
  REQUIRE(entry.is_object());
  CHECK(entry.size() == 3);
  CHECK(entry["is_enabled"] == enabled);
  CHECK(entry["public_name"] == public_name);
  if (enabled) CHECK(entry["icon"].get<std::string>().rfind("<svg", 0) == 0);
  else CHECK(entry["icon"].is_null());
}

std::vector<std::string> keys_in_order(const std::string& body) {
  // nlohmann's json sorts keys, so the order is read from the text itself.
  std::vector<std::string> keys;
  auto parsed = json::parse(body);
  std::vector<std::pair<std::size_t, std::string>> at;
  for (const auto& [key, value] : parsed.items()) at.emplace_back(body.find("\"" + key + "\":{"), key);
  std::sort(at.begin(), at.end());
  for (const auto& [pos, key] : at) keys.push_back(key);
  return keys;
}

// CVAT's field set of /api/users/self besides socialgate's own.
void check_cvat_user(const json& user, const deployment& env) {
  CHECK(user["id"].is_string());
  CHECK(user["url"] == env.site() + "/api/users/" + user["id"].get<std::string>());
  CHECK(user["groups"] == json::array({"user"}));
  CHECK(user["is_staff"] == false);
  CHECK(user["is_superuser"] == false);
  CHECK(user["is_active"] == true);
  static const std::regex iso8601(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  CHECK(std::regex_match(user["last_login"].get<std::string>(), iso8601));
  CHECK(std::regex_match(user["date_joined"].get<std::string>(), iso8601));
  CHECK(user.contains("username"));
  CHECK(user.contains("email"));
  CHECK(user.contains("first_name"));
  CHECK(user.contains("last_name"));
}

// The IdP's approval of a login whose authorize URL the browser was sent to.
std::string approve(browser& b, const http_result& start, const std::string& login) {
  REQUIRE(start.status == 302);
  auto idp = b.get(start.header("Location") + "&dev_login=" + url_encode(login));
  REQUIRE(idp.status == 302);
  return idp.header("Location");
}
}  // namespace

TEST_CASE("CVAT 2.3.0 UI: advanced-auth and the legacy login and token paths on two replicas", "[e2e][cvat-ui][contract]") {
  deployment env(two_replicas(true, {{"SOCIAL_AUTH_FLOW", "cvat-ui"}}));
  auto b = env.new_browser();
  for (std::size_t r : {0u, 1u}) {
    auto listing = b.get(env.site() + "/api/server/advanced-auth", env.replica(r), axios);
    REQUIRE(listing.status == 200);
    CHECK(listing.header("Content-Type").find("application/json") == 0);
    // Booleans only (CVAT 2.3.0 itself once put the client secret here: never).
    CHECK(listing.body == R"({"GOOGLE_ACCOUNT_AUTHENTICATION":true,"GITHUB_ACCOUNT_AUTHENTICATION":true})");
  }
  // login-page.tsx's link, then login-with-social-app's POST to /api/auth/github/login/token.
  auto callback = approve(b, b.get(env.site() + "/api/auth/github/login", env.replica(0)), "octocat");
  auto landing = b.get(callback, env.replica(1));
  REQUIRE(landing.status == 302);
  auto location = landing.header("Location");
  REQUIRE(location.rfind(env.site() + "/auth/login-with-social-app/?provider=github&code=", 0) == 0);
  auto token = post_token(b, env, 0, "/api/auth/github/login/token", query_value(location, "code"));
  REQUIRE(token.status == 200);
  auto key = json::parse(token.body)["key"].get<std::string>();
  browser api(env.site());
  auto self = api.get(env.site() + "/api/users/self", env.replica(1), {{"Authorization", "Token " + key}});
  REQUIRE(self.status == 200);
  check_cvat_user(json::parse(self.body), env);

  // Providers switched off answer false, never an error.
  auto off = env.start_replica({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "False"}});
  CHECK(b.get(env.site() + "/api/server/advanced-auth/", env.replica(off), axios).body ==
        R"({"GOOGLE_ACCOUNT_AUTHENTICATION":false,"GITHUB_ACCOUNT_AUTHENTICATION":false})");
}

TEST_CASE("CVAT 2.4 UI: social listing with sso and select-idp and the OIDC route on two replicas", "[e2e][cvat-ui][contract]") {
  deployment env(two_replicas(true, {{"SOCIAL_AUTH_FLOW", "cvat-ui"}}));
  auto b = env.new_browser();
  std::string first_body;
  for (std::size_t r : {0u, 1u}) {
    auto listing = b.get(env.site() + "/api/auth/social", env.replica(r), axios);
    REQUIRE(listing.status == 200);
    if (r == 0) first_body = listing.body;
    CHECK(listing.body == first_body);  // every replica answers the same
    CHECK(keys_in_order(listing.body) == std::vector<std::string>{"google", "github", "amazon-cognito", "sso"});
    auto methods = json::parse(listing.body);
    check_entry(methods["google"], true, "Google");
    check_entry(methods["github"], true, "GitHub");
    check_entry(methods["amazon-cognito"], true, "Amazon Cognito");
    auto sso = methods["sso"];
    CHECK(sso.size() == 4);
    CHECK(sso["is_enabled"] == true);
    CHECK(sso["icon"].is_null());  // the UI draws its own
    CHECK(sso["public_name"] == "SSO");  // "Continue with SSO"
    CHECK(sso["selection_schema"] == "email_address");
    CHECK(listing.body.find("test-secret") == std::string::npos);
  }
  // The development branch's path: the same social entries, no `sso`.
  auto dev_branch = json::parse(b.get(env.site() + "/api/auth/social/methods/", env.replica(1), axios).body);
  CHECK_FALSE(dev_branch.contains("sso"));
  CHECK(dev_branch["github"]["is_enabled"] == true);
  // A disabled provider has a null icon and the keys keep CVAT's order.
  auto no_google = env.start_replica({{"SOCIAL_AUTH_GOOGLE_CLIENT_ID", ""}, {"SOCIAL_AUTH_GOOGLE_CLIENT_SECRET", ""}});
  auto partial = b.get(env.site() + "/api/auth/social/", env.replica(no_google), axios).body;
  check_entry(json::parse(partial)["google"], false, "Google");
  CHECK(keys_in_order(partial) == std::vector<std::string>{"google", "github", "amazon-cognito", "sso"});

  // login-with-sso-form.tsx: the email, then select-idp; the answer is a plain JSON string.
  auto chosen = b.get(env.site() + "/api/auth/oidc/select-idp/?email=someone%40example.com", env.replica(1), axios);
  REQUIRE(chosen.status == 200);
  CHECK(chosen.body == R"("corp")");  // weight 1 beats corp-backup's 5
  auto by_issuer = b.get(env.site() + "/api/auth/oidc/select-idp/?iss=" + url_encode(env.idp_url() + "/oidc"),
                         env.replica(0), axios);
  CHECK(by_issuer.status == 200);
  CHECK(by_issuer.body == R"("corp")");
  for (const std::string query : {"?email=a%40elsewhere.org", "?iss=https%3A%2F%2Fother.example"}) {
    INFO(query);
    auto none = b.get(env.site() + "/api/auth/oidc/select-idp/" + query, env.replica(0), axios);
    CHECK(none.status == 404);
    CHECK(json::parse(none.body).contains("detail"));
  }
  CHECK(b.get(env.site() + "/api/auth/oidc/select-idp/", env.replica(0), axios).status == 400);  // email_address mode

  // login-with-sso.tsx opens /api/auth/oidc/<answer>/login/; the login ends on the UI's SSO route.
  auto callback = approve(b, b.get(env.site() + "/api/auth/oidc/corp/login/", env.replica(0)), "octocat");
  auto landing = b.get(callback, env.replica(1));
  REQUIRE(landing.status == 302);
  auto location = landing.header("Location");
  REQUIRE(location.rfind(env.site() + "/auth/login-with-oidc/?provider=corp&code=", 0) == 0);
  for (const char* name : {"process", "scope", "auth_params"}) CHECK(location.find(std::string("&") + name + "=") != std::string::npos);
  auto token = post_token(b, env, 0, "/api/auth/oidc/corp/login/token/", query_value(location, "code"));
  REQUIRE(token.status == 200);
  auto key = json::parse(token.body)["key"].get<std::string>();

  // The social providers keep the social route and token path.
  auto social_browser = env.new_browser();
  auto social_callback = approve(social_browser, social_browser.get(env.site() + "/api/auth/social/github/login/", env.replica(1)), "hubot");
  auto social_landing = social_browser.get(social_callback, env.replica(0)).header("Location");
  REQUIRE(social_landing.rfind(env.site() + "/auth/login-with-social-app/?provider=github&code=", 0) == 0);
  CHECK(post_token(social_browser, env, 1, "/api/auth/social/github/login/token/", query_value(social_landing, "code")).status == 200);

  browser api(env.site());
  auto self = api.get(env.site() + "/api/users/self", env.replica(1), {{"Authorization", "Token " + key}});
  REQUIRE(self.status == 200);
  auto user = json::parse(self.body);
  check_cvat_user(user, env);
  CHECK(user["created_via"] == "sso");
}

TEST_CASE("CVAT Enterprise auth_config.yml with social_account and sso starts and lists and signs in", "[e2e][cvat-ui][contract][config]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  auto path = env.scratch() + "/auth_config.yml";
  std::ofstream(path) << "---\n"
                      << "social_account:\n  enabled: true\n"
                      << "  github:\n    client_id: test-client\n    client_secret: test-secret\n"
                      << "  google:\n    client_id: test-client\n    client_secret: test-secret\n"
                      << "sso:\n  enabled: yes\n  selection_mode: lowest_weight\n  enable_pkce: false\n"
                      << "  identity_providers:\n"
                      << "    - id: corp\n      protocol: OIDC\n      name: Corp\n"
                      << "      server_url: " << env.idp_url() << "/oidc\n"
                      << "      client_id: test-client\n      client_secret: test-secret\n      email_domain: example.com\n"
                      << "    - id: adfs\n      protocol: SAML\n      name: ADFS\n"
                      << "      entity_id: https://adfs.example/adfs/services/trust\n      sso_url: https://adfs.example/adfs/ls/\n"
                      << "    - id: corp-light\n      protocol: OIDC\n      name: Corp light\n      weight: 3\n"
                      << "      server_url: " << env.idp_url() << "/oidc/\n"
                      << "      client_id: test-client\n      client_secret: test-secret\n";
  // The environment's GitHub client is wrong on purpose: the file's wins. The social master switch
  // is unset, so social_account.enabled decides.
  std::map<std::string, std::string> vars = {{"AUTH_CONFIG_PATH", path},
                                             {"USE_ALLAUTH_SOCIAL_ACCOUNTS", ""},
                                             {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "stale-env-client"},
                                             {"SOCIAL_AUTH_GOOGLE_ISSUER", env.idp_url() + "/google"},
                                             {"SOCIAL_AUTH_FLOW", "cvat-ui"}};
  auto r0 = env.start_replica(vars);
  auto r1 = env.start_replica(vars);
  auto log = env.replica_process(r0).log();
  CHECK(log.find("'adfs' uses SAML") != std::string::npos);  // a warning, not a failure
  CHECK(log.find("auth_config_overrides_variable") != std::string::npos);
  CHECK(log.find("SOCIAL_AUTH_GITHUB_CLIENT_ID") != std::string::npos);
  CHECK(log.find("sso.enable_pkce: false") != std::string::npos);
  CHECK(log.find("test-secret") == std::string::npos);

  auto b = env.new_browser();
  for (auto r : {r0, r1}) {
    auto listing = b.get(env.site() + "/api/auth/social", env.replica(r), axios);
    REQUIRE(listing.status == 200);
    auto methods = json::parse(listing.body);
    check_entry(methods["google"], true, "Google");
    check_entry(methods["github"], true, "GitHub");
    check_entry(methods["amazon-cognito"], false, "Amazon Cognito");
    CHECK(methods["sso"]["selection_schema"] == "lowest_weight");
    CHECK(listing.body.find("adfs") == std::string::npos);  // SAML appears nowhere
    CHECK(listing.body.find("SAML") == std::string::npos);
  }
  CHECK(b.get(env.site() + "/api/auth/oidc/adfs/login/", env.replica(r0)).status == 404);

  // lowest_weight: login-with-sso.tsx asks with no parameter.
  auto chosen = b.get(env.site() + "/api/auth/oidc/select-idp/", env.replica(r1), axios);
  REQUIRE(chosen.status == 200);
  CHECK(chosen.body == R"("corp-light")");
  auto idp = json::parse(chosen.body).get<std::string>();
  auto callback = approve(b, b.get(env.site() + "/api/auth/oidc/" + idp + "/login/", env.replica(r0)), "octocat");
  auto location = b.get(callback, env.replica(r1)).header("Location");
  REQUIRE(location.rfind(env.site() + "/auth/login-with-oidc/?provider=corp-light&code=", 0) == 0);
  CHECK(post_token(b, env, r0, "/api/auth/oidc/corp-light/login/token/", query_value(location, "code")).status == 200);

  // GitHub through the file's client (the environment's stale id would be refused by the IdP).
  auto gh = env.new_browser();
  auto gh_callback = approve(gh, gh.get(env.site() + "/api/auth/social/github/login/", env.replica(r1)), "hubot");
  auto gh_location = gh.get(gh_callback, env.replica(r0)).header("Location");
  REQUIRE(gh_location.rfind(env.site() + "/auth/login-with-social-app/?provider=github&code=", 0) == 0);
  CHECK(post_token(gh, env, r1, "/api/auth/social/github/login/token/", query_value(gh_location, "code")).status == 200);

  // An explicit USE_ALLAUTH_SOCIAL_ACCOUNTS=False turns the file's social accounts off; SSO stays.
  vars["USE_ALLAUTH_SOCIAL_ACCOUNTS"] = "False";
  auto off = env.start_replica(vars);
  auto off_listing = json::parse(b.get(env.site() + "/api/auth/social", env.replica(off), axios).body);
  CHECK(off_listing.size() == 1);
  CHECK(off_listing.contains("sso"));
}

TEST_CASE("SOCIAL_AUTH_CALLBACK_STYLE=enterprise: the social providers return to /api/auth/social/<p>/login/callback/", "[e2e][contract][config]") {
  deployment env(two_replicas(true, {{"SOCIAL_AUTH_CALLBACK_STYLE", "enterprise"}}));
  // Google's octocat joins GitHub's by verified email; Cognito's emails are not trusted, so its
  // user is another one.
  for (const auto& [provider, login] : std::vector<std::pair<std::string, std::string>>{
           {"github", "octocat"}, {"google", "octocat"}, {"amazon-cognito", "hubot-unverified"}}) {
    INFO(provider);
    auto b = env.new_browser();
    auto start = b.get(env.site() + "/api/auth/social/" + provider + "/login/?next=/tasks", env.replica(0));
    REQUIRE(start.status == 302);
    auto redirect_uri = env.site() + "/api/auth/social/" + provider + "/login/callback/";
    CHECK(query_value(start.header("Location"), "redirect_uri") == redirect_uri);
    auto callback = approve(b, start, login);
    REQUIRE(callback.rfind(redirect_uri + "?", 0) == 0);  // the IdP sends the browser to CVAT Enterprise's path
    auto done = b.get(callback, env.replica(1));
    REQUIRE(done.status == 302);
    CHECK(done.header("Location") == "/tasks");
    auto self = b.get(env.site() + "/api/users/self", env.replica(0));
    REQUIRE(self.status == 200);
    auto providers = json::parse(self.body)["providers"];
    CHECK(std::find(providers.begin(), providers.end(), provider) != providers.end());
    // The legacy path stays served (an unknown state there is a 400, not a 404).
    CHECK(b.get(env.site() + "/api/auth/" + provider + "/login/callback/?code=x&state=unknown-state-0123456789", env.replica(1)).status == 400);
  }
  // auth_config.yml's IdPs keep their own path whatever the style.
  auto b = env.new_browser();
  auto start = b.get(env.site() + "/api/auth/oidc/corp/login/", env.replica(1));
  REQUIRE(start.status == 302);
  CHECK(query_value(start.header("Location"), "redirect_uri") == env.site() + "/api/auth/oidc/corp/login/callback/");
}
