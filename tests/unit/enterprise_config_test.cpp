// Issue 11: CVAT Enterprise's auth_config.yml (social_account and sso sections, CVAT's defaults),
// SOCIAL_AUTH_CALLBACK_STYLE, and one clear line for each bad spelling. The format follows CVAT's
// site/content/en/docs/enterprise/social-accounts-configuration.md (tags v2.4.0 and v2.4.1).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "core/auth_config.hpp"
#include "core/config.hpp"
#include "support/process.hpp"

using namespace sg;

namespace {
env_reader env(std::map<std::string, std::string> values) { return env_reader(map_environment(std::move(values))); }

struct yaml_file {
  sg::test::scratch_dir dir;
  std::string path;
  explicit yaml_file(const std::string& text) : path(dir.path() + "/auth_config.yml") { std::ofstream(path) << text; }
};

auth_config_file read_yaml(const std::string& text) {
  yaml_file file(text);
  return read_auth_config(file.path, "https://cvat.example", false);
}

std::string yaml_error(const std::string& text) {
  try {
    read_yaml(text);
  } catch (const config_error& e) {
    CHECK(e.variable == "AUTH_CONFIG_PATH");
    return e.what();
  }
  return "";
}

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& line : lines)
    if (line.find(part) != std::string::npos) return true;
  return false;
}

// CVAT Enterprise's example: social accounts and an SSO section with an OIDC and a SAML IdP.
const char* enterprise_yaml =
    "---\n"
    "social_account:\n"
    "  enabled: true\n"
    "  github:\n    client_id: gh-file-id\n    client_secret: gh-file-secret\n"
    "  google:\n    client_id: google-file-id\n    client_secret: google-file-secret\n"
    "  amazon_cognito:\n    client_id: cognito-file-id\n    client_secret: cognito-file-secret\n"
    "    domain: https://corp.auth.us-east-1.amazoncognito.com\n"
    "sso:\n"
    "  enabled: True\n"
    "  selection_mode: lowest_weight\n"
    "  enable_pkce: false\n"
    "  identity_providers:\n"
    "    - id: okta\n      protocol: OIDC\n      name: Okta\n      server_url: https://corp.okta.example\n"
    "      client_id: okta-id\n      client_secret: okta-secret\n      email_domain: corp.example\n"
    "    - id: adfs\n      protocol: SAML\n      name: ADFS\n      entity_id: https://adfs.corp.example/adfs/services/trust\n"
    "      sso_url: https://adfs.corp.example/adfs/ls/\n      x509_cert: MIIC...\n";
}  // namespace

TEST_CASE("enterprise auth_config.yml: social_account and sso with OIDC and SAML entries", "[config][enterprise]") {
  auto file = read_yaml(enterprise_yaml);
  REQUIRE(file.social_enabled == true);
  REQUIRE(file.github);
  CHECK(file.github->client_id == "gh-file-id");
  REQUIRE(file.amazon_cognito);
  CHECK(file.amazon_cognito->domain == "https://corp.auth.us-east-1.amazoncognito.com");
  CHECK(file.sso_enabled);
  CHECK(file.selection_mode == "lowest_weight");
  CHECK_FALSE(file.enable_pkce);
  CHECK(any_contains(file.warnings, "enable_pkce: false"));  // accepted and logged
  REQUIRE(file.idps.size() == 1);  // the SAML entry is skipped, not fatal
  CHECK(file.idps[0].id == "okta");
  CHECK(file.idps[0].weight == 10);                // CVAT's default
  CHECK(file.idps[0].token_auth_method.empty());   // unset: chosen from what the IdP offers
  CHECK(file.idps[0].callback_url == "https://cvat.example/api/auth/oidc/okta/login/callback/");
  CHECK(file.unsupported == std::vector<std::string>{"adfs (SAML)"});
  CHECK(any_contains(file.warnings, "'adfs' uses SAML"));
}

TEST_CASE("enterprise auth_config.yml: a file with only social_account starts", "[config][enterprise]") {
  yaml_file file("social_account:\n  enabled: yes\n  github:\n    client_id: gh-file-id\n    client_secret: gh-file-secret\n");
  auto c = load_config(env({{"AUTH_CONFIG_PATH", file.path}, {"CVAT_BASE_URL", "https://cvat.example"}}));
  CHECK(c.social_enabled);  // USE_ALLAUTH_SOCIAL_ACCOUNTS unset: social_account.enabled decides
  REQUIRE(c.github);
  CHECK(c.github->client_id == "gh-file-id");
  CHECK_FALSE(c.google);
  CHECK(c.sso_providers.empty());
  CHECK_FALSE(c.sso_enabled);
}

TEST_CASE("enterprise auth_config.yml: social_account wins over the environment and the master switch", "[config][enterprise]") {
  yaml_file file(enterprise_yaml);
  std::map<std::string, std::string> vars = {{"AUTH_CONFIG_PATH", file.path},
                                             {"CVAT_BASE_URL", "https://cvat.example"},
                                             {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "gh-env-id"},
                                             {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "gh-env-secret"}};
  auto c = load_config(env(vars));
  REQUIRE(c.github);
  CHECK(c.github->client_id == "gh-file-id");
  CHECK(c.github->client_secret == "gh-file-secret");
  CHECK(c.overridden_by_auth_config ==
        std::vector<std::string>{"SOCIAL_AUTH_GITHUB_CLIENT_ID", "SOCIAL_AUTH_GITHUB_CLIENT_SECRET"});
  REQUIRE(c.cognito);
  CHECK(c.cognito->domain == "https://corp.auth.us-east-1.amazoncognito.com");
  CHECK(c.sso_enabled);
  CHECK(c.sso_selection_mode == "lowest_weight");
  auto text = describe_config(c);
  CHECK(text.find("adfs (SAML): not supported") != std::string::npos);
  CHECK(text.find("SOCIAL_AUTH_GITHUB_CLIENT_ID: taken from auth_config.yml") != std::string::npos);
  CHECK(text.find("gh-file-secret") == std::string::npos);
  CHECK(text.find("okta-secret") == std::string::npos);

  // An explicit False turns social sign-in off whatever the file says; SSO stays.
  vars["USE_ALLAUTH_SOCIAL_ACCOUNTS"] = "False";
  auto off = load_config(env(vars));
  CHECK_FALSE(off.social_enabled);
  CHECK(off.sso_enabled);
  // The file's `enabled: false` turns it off even when the environment says True.
  yaml_file disabled("social_account:\n  enabled: false\n  github:\n    client_id: a\n    client_secret: b\n");
  CHECK_FALSE(load_config(env({{"AUTH_CONFIG_PATH", disabled.path}, {"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"}})).social_enabled);
}

TEST_CASE("enterprise auth_config.yml: sso.enabled in every YAML boolean spelling", "[config][enterprise]") {
  const std::string idp =
      "  identity_providers:\n    - id: corp\n      protocol: OIDC\n      name: Corp\n"
      "      server_url: https://login.corp.example\n      client_id: x\n      client_secret: y\n";
  for (const std::string on : {"true", "True", "TRUE", "yes", "Yes", "on", "ON"}) {
    INFO(on);
    CHECK(read_yaml("sso:\n  enabled: " + on + "\n" + idp).idps.size() == 1);
  }
  for (const std::string off : {"false", "False", "FALSE", "no", "No", "off", "OFF"}) {
    INFO(off);
    auto file = read_yaml("sso:\n  enabled: " + off + "\n" + idp);
    CHECK_FALSE(file.sso_enabled);
    CHECK(file.idps.empty());
  }
  auto both = read_yaml("sso:\n" + idp + "    - id: other\n      protocol: OIDC\n      name: Other\n"
                        "      server_url: https://other.example\n      client_id: x\n      client_secret: y\n"
                        "      weight: 3\n      token_auth_method: client_secret_post\n");
  REQUIRE(both.idps.size() == 2);
  CHECK(both.idps[0].weight == 10);
  CHECK(both.idps[1].weight == 3);
  CHECK(both.idps[1].token_auth_method == "client_secret_post");
  CHECK(both.selection_mode == "email_address");  // CVAT's default
}

TEST_CASE("enterprise auth_config.yml: unknown keys warn and do not stop start-up", "[config][enterprise]") {
  auto file = read_yaml(
      "social_account:\n  enabled: true\n  gitlab: {client_id: a}\n"
      "sso:\n  enabled: true\n  colour: blue\n  identity_providers:\n"
      "    - id: corp\n      protocol: OIDC\n      name: Corp\n      server_url: https://login.corp.example\n"
      "      client_id: x\n      client_secret: y\n      scopes: openid\n"
      "ldap: {}\n");
  CHECK(file.idps.size() == 1);
  CHECK(any_contains(file.warnings, "unknown key 'gitlab' in social_account"));
  CHECK(any_contains(file.warnings, "unknown key 'colour' in sso"));
  CHECK(any_contains(file.warnings, "unknown key 'scopes' in identity_providers[0]"));
  CHECK(any_contains(file.warnings, "unknown key 'ldap' in the file"));
}

TEST_CASE("enterprise auth_config.yml: each bad spelling gets its one-line error", "[config][enterprise]") {
  const std::string idp_start =
      "sso:\n  enabled: true\n  identity_providers:\n    - id: corp\n      protocol: OIDC\n";
  const std::string idp_rest =
      "      server_url: https://login.corp.example\n      client_id: x\n      client_secret: y\n";
  struct bad_file {
    std::string yaml;
    const char* expected;
  };
  for (const auto& [yaml, expected] : {
           bad_file{"social_account:\n  enabled: ture\n", "'social_account.enabled' must be true or false"},
           bad_file{"social_account: [github]\n", "'social_account' must be a mapping"},
           bad_file{"social_account:\n  github: abc\n", "'social_account.github' must be a mapping"},
           bad_file{"social_account:\n  github:\n    client_id: a\n", "'social_account.github' needs 'client_secret'"},
           bad_file{"social_account:\n  amazon_cognito:\n    client_id: a\n    client_secret: b\n",
                    "'social_account.amazon_cognito' needs 'domain'"},
           bad_file{"sso:\n  enabled: 1\n", "'sso.enabled' must be true or false"},
           bad_file{"sso:\n  selection_mode: email\n  identity_providers: []\n",
                    "'sso.selection_mode' must be email_address or lowest_weight"},
           bad_file{"sso:\n  enable_pkce: maybe\n  identity_providers: []\n", "'sso.enable_pkce' must be true or false"},
           bad_file{"sso:\n  enabled: true\n", "'sso.identity_providers' must be a list"},
           bad_file{idp_start + idp_rest, "identity_providers[0] needs 'name'"},
           bad_file{"sso:\n  identity_providers:\n    - id: corp\n      protocol: CAS\n      name: C\n" + idp_rest,
                    "'protocol' must be OIDC or SAML"},
           bad_file{idp_start + "      name: C\n" + idp_rest + "      weight: heavy\n", "'weight' must be a whole number"},
           bad_file{idp_start + "      name: C\n" + idp_rest + "      token_auth_method: private_key_jwt\n",
                    "'token_auth_method' must be client_secret_basic or client_secret_post"},
           bad_file{idp_start + "      name: C\n" + idp_rest + "      trust_email: sure\n", "'trust_email' must be true or false"},
           bad_file{"plain text\n", "must be a mapping with a 'social_account' or 'sso' section"},
           bad_file{"other: {}\n", "no 'social_account' or 'sso' section"},
       }) {
    INFO(yaml);
    auto message = yaml_error(yaml);
    CHECK(message.find(expected) != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);  // one line
  }
}

TEST_CASE("SOCIAL_AUTH_CALLBACK_STYLE picks the social providers' default redirect_uri", "[config][enterprise]") {
  std::map<std::string, std::string> vars = {
      {"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"}, {"CVAT_BASE_URL", "https://cvat.example"},
      {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "a"},   {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "b"},
      {"SOCIAL_AUTH_GOOGLE_CLIENT_ID", "a"},   {"SOCIAL_AUTH_GOOGLE_CLIENT_SECRET", "b"},
      {"SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN", "https://corp.auth.us-east-1.amazoncognito.com"},
      {"SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID", "a"}, {"SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET", "b"}};
  auto legacy = load_config(env(vars));  // the default, as the seed page documents
  CHECK(legacy.callback_style == "legacy");
  CHECK(legacy.github->callback_url == "https://cvat.example/api/auth/github/login/callback/");
  CHECK(legacy.google->callback_url == "https://cvat.example/api/auth/google/login/callback/");
  CHECK(legacy.cognito->callback_url == "https://cvat.example/api/auth/amazon-cognito/login/callback/");

  vars["SOCIAL_AUTH_CALLBACK_STYLE"] = "enterprise";
  auto enterprise = load_config(env(vars));
  CHECK(enterprise.github->callback_url == "https://cvat.example/api/auth/social/github/login/callback/");
  CHECK(enterprise.google->callback_url == "https://cvat.example/api/auth/social/google/login/callback/");
  CHECK(enterprise.cognito->callback_url == "https://cvat.example/api/auth/social/amazon-cognito/login/callback/");
  auto text = describe_config(enterprise);
  CHECK(text.find("register this callback URL at GitHub: https://cvat.example/api/auth/social/github/login/callback/") !=
        std::string::npos);
  CHECK(text.find("callback style (SOCIAL_AUTH_CALLBACK_STYLE): enterprise") != std::string::npos);
  // An explicit *_CALLBACK_URL still wins over the style.
  vars["GITHUB_CALLBACK_URL"] = "https://cvat.example/custom/";
  CHECK(load_config(env(vars)).github->callback_url == "https://cvat.example/custom/");

  vars["SOCIAL_AUTH_CALLBACK_STYLE"] = "social";
  try {
    load_config(env(vars));
    FAIL("an unknown style was accepted");
  } catch (const config_error& e) {
    CHECK(e.variable == "SOCIAL_AUTH_CALLBACK_STYLE");
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
}
