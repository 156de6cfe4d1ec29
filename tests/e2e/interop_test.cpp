// Interop with a third-party, certified OpenID provider: the npm package oidc-provider (pinned
// in tests/interop/package-lock.json) runs on loopback as an auth_config.yml IdP, and a login
// goes through its real login and consent forms, driven over HTTP, with PKCE and nonce.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

namespace {
// Submits whatever form the IdP shows (login: any name and password; consent: continue) and
// follows its redirects until it sends the browser back to `site`. Returns that URL.
std::string drive_idp(browser& idp, std::string url, const std::string& site, const std::string& login) {
  auto idp_origin = split_url(url).first;
  for (int step = 0; step < 12; ++step) {
    if (url.rfind("/", 0) == 0) url = idp_origin + url;  // relative redirects stay on the IdP
    if (url.rfind(site, 0) == 0) return url;
    auto page = idp.get(url, "", {{"Accept", "text/html"}});
    if (page.status >= 300 && page.status < 400) {
      url = page.header("Location");
      continue;
    }
    REQUIRE(page.status == 200);
    std::smatch action;
    REQUIRE(std::regex_search(page.body, action, std::regex(R"re(<form[^>]*action="([^"]+)")re")));
    query_params fields;
    std::regex input(R"re(<input[^>]*>)re"), name_attr(R"re(name="([^"]+)")re"), value_attr(R"re(value="([^"]*)")re");
    for (auto it = std::sregex_iterator(page.body.begin(), page.body.end(), input); it != std::sregex_iterator(); ++it) {
      std::string tag = it->str();
      std::smatch name_match, value_match;
      if (!std::regex_search(tag, name_match, name_attr)) continue;
      std::string name = name_match[1];
      std::string value = std::regex_search(tag, value_match, value_attr) ? value_match[1].str() : "";
      if (name == "login") value = login;
      if (name == "password") value = "any-password";
      fields.emplace_back(name, value);
    }
    std::string target = action[1];
    if (target.rfind("/", 0) == 0) target = idp_origin + target;
    auto posted = idp.post(target, build_query(fields), "application/x-www-form-urlencoded");
    INFO(posted.body.substr(0, 600));
    REQUIRE(posted.status >= 300);
    REQUIRE(posted.status < 400);
    url = posted.header("Location");
  }
  FAIL("the IdP never sent the browser back");
  return "";
}
}  // namespace

TEST_CASE("interop: a login against oidc-provider (certified OpenID provider) with PKCE and nonce", "[e2e][oidc][interop]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  auto redirect = env.site() + "/api/auth/oidc/interop/login/callback/";

  std::random_device seed;
  std::mt19937 random(seed());
  std::unique_ptr<child_process> op;
  int port = 0;
  for (int attempt = 0; attempt < 10 && port == 0; ++attempt) {
    int candidate = std::uniform_int_distribution<int>(20000, 59999)(random);
    op = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/env", "node", SG_SOURCE_DIR "/tests/interop/oidc-provider-server.mjs",
                                 std::to_string(candidate), redirect},
        std::map<std::string, std::string>{}, env.scratch() + "/oidc-provider.log");
    if (auto listening = op->wait_for_listening_port(std::chrono::seconds(30))) port = *listening;
  }
  INFO(op->log());
  REQUIRE(port != 0);
  auto issuer = "http://127.0.0.1:" + std::to_string(port);

  auto config = env.scratch() + "/auth_config.yml";
  std::ofstream(config) << "sso:\n  enabled: true\n  identity_providers:\n"
                        << "    - id: interop\n      protocol: OIDC\n      name: oidc-provider\n"
                        << "      server_url: " << issuer << "\n      client_id: interop-client\n"
                        << "      client_secret: interop-secret-0123456789\n      token_auth_method: client_secret_basic\n"
                        << "      email_domain: interop.example\n"
                        // Trusted to assert emails, so its email_verified claim is what the user shows.
                        << "      trust_email: true\n";
  auto replica = env.start_replica({{"AUTH_CONFIG_PATH", config}});

  auto b = env.new_browser();
  auto start = b.get(env.replica(replica) + "/api/auth/oidc/interop/login/?next=/tasks");
  REQUIRE(start.status == 302);
  auto authorize = start.header("Location");
  CHECK(authorize.rfind(issuer + "/auth?", 0) == 0);
  CHECK(query_value(authorize, "code_challenge_method") == "S256");
  CHECK_FALSE(query_value(authorize, "nonce").empty());

  browser idp(issuer);  // the IdP's own cookie jar
  auto callback = drive_idp(idp, authorize, env.site(), "alice");
  CHECK(query_value(callback, "iss") == issuer);  // RFC 9207, which oidc-provider sends
  auto done = b.get(callback, env.replica(replica));
  INFO(done.body);
  REQUIRE(done.status == 302);
  CHECK(done.header("Location") == "/tasks");
  auto user = json::parse(b.get(env.replica(replica) + "/api/users/self").body);
  CHECK(user["email"] == "alice@interop.example");
  CHECK(user["email_verified"] == true);
  CHECK(user["created_via"] == "sso");
  CHECK(user["providers"] == json::array({"oidc/interop"}));
}
