#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>

#include "core/auth_config.hpp"
#include "core/config.hpp"
#include "support/process.hpp"

using namespace sg;

namespace {
env_reader env(std::map<std::string, std::string> values) { return env_reader(map_environment(std::move(values))); }

std::string error_variable(std::map<std::string, std::string> values) {
  try {
    load_config(env(std::move(values)));
  } catch (const config_error& e) {
    return e.variable;
  }
  return "";
}
}  // namespace

TEST_CASE("defaults follow SPEC section 2", "[config]") {
  auto c = load_config(env({}));
  CHECK_FALSE(c.social_enabled);
  CHECK(c.base_url == "http://localhost:8080");
  CHECK(c.listen_port == 8080);
  CHECK(c.session_age == 1209600);
  CHECK(c.session_cookie_name == "sg_sessionid");
  CHECK(c.csrf_cookie_name == "sg_csrftoken");
  CHECK(c.deprecated_variables.empty());
  CHECK(c.redis_prefix == "sg:");
  CHECK_FALSE(c.github);
}

TEST_CASE("GitHub is enabled by id and secret with derived URLs", "[config]") {
  auto c = load_config(env({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "true"},
                            {"CVAT_HOST", "cvat.example.com"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "secret"}}));
  REQUIRE(c.github);
  CHECK(c.base_url == "http://cvat.example.com:8080");
  CHECK(c.github->web_url == "https://github.com");
  CHECK(c.github->api_url == "https://api.github.com");
  CHECK(c.github->callback_url == "http://cvat.example.com:8080/api/auth/github/login/callback/");

  auto enterprise = load_config(env({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "1"},
                                     {"CVAT_BASE_URL", "https://cvat.example.com/"},
                                     {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                                     {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "secret"},
                                     {"SOCIAL_AUTH_GITHUB_URL", "https://ghe.example.com/"}}));
  CHECK(enterprise.base_url == "https://cvat.example.com");
  CHECK(enterprise.secure_cookies);
  CHECK(enterprise.github->api_url == "https://ghe.example.com/api/v3");
  CHECK(enterprise.github->callback_url == "https://cvat.example.com/api/auth/github/login/callback/");
}

TEST_CASE("the master switch off enables nothing", "[config]") {
  auto c = load_config(env({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "False"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "secret"}}));
  CHECK_FALSE(c.github);
}

TEST_CASE("bad values name the variable at fault", "[config]") {
  std::map<std::string, std::string> on = {{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    auto all = on;
    all.insert(extra.begin(), extra.end());
    return all;
  };
  CHECK(error_variable({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "maybe"}}) == "USE_ALLAUTH_SOCIAL_ACCOUNTS");
  CHECK(error_variable(with({{"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"}})) == "SOCIAL_AUTH_GITHUB_CLIENT_SECRET");
  CHECK(error_variable(with({{"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "s"}})) == "SOCIAL_AUTH_GITHUB_CLIENT_ID");
  CHECK(error_variable(with({{"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"}, {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "s"},
                             {"SOCIAL_AUTH_GITHUB_URL", "http://ghe.example.com"}})) == "SOCIAL_AUTH_GITHUB_URL");
  CHECK(error_variable(with({{"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"}, {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "s"},
                             {"SOCIAL_AUTH_GITHUB_URL", "not a url"}})) == "SOCIAL_AUTH_GITHUB_URL");
  CHECK(error_variable({{"CVAT_BASE_URL", "cvat.example.com"}}) == "CVAT_BASE_URL");
  CHECK(error_variable({{"SOCIALGATE_LISTEN", "8080"}}) == "SOCIALGATE_LISTEN");
  CHECK(error_variable({{"SESSION_COOKIE_AGE", "two weeks"}}) == "SESSION_COOKIE_AGE");
  CHECK(error_variable({{"SOCIAL_AUTH_FLOW", "popup"}}) == "SOCIAL_AUTH_FLOW");
  CHECK(error_variable({{"ACCOUNT_EMAIL_VERIFICATION", "always"}}) == "ACCOUNT_EMAIL_VERIFICATION");
  CHECK(error_variable({{"SESSION_COOKIE_NAME", "a;b"}}) == "SESSION_COOKIE_NAME");
}

TEST_CASE("secrets can come from files", "[config]") {
  auto path = std::string("/tmp/sg-secret-test-") + std::to_string(::getpid());
  std::ofstream(path) << "from-file\n";
  auto c = load_config(env({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "yes"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET_FILE", path}}));
  CHECK(c.github->client_secret == "from-file");
  CHECK(error_variable({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "yes"},
                        {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                        {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET_FILE", "/nonexistent/secret"}}) ==
        "SOCIAL_AUTH_GITHUB_CLIENT_SECRET_FILE");
  std::remove(path.c_str());
}

TEST_CASE("check-config output lists callbacks and never a secret", "[config][security]") {
  auto c = load_config(env({{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"},
                            {"CVAT_BASE_URL", "https://cvat.example.com"},
                            {"REDIS_URL", "redis://user:hunter2-redis@redis.internal:6380/1"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "the-id"},
                            {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "top-secret-value"}}));
  auto text = describe_config(c);
  CHECK(text.find("https://cvat.example.com/api/auth/github/login/callback/") != std::string::npos);
  CHECK(text.find("redis.internal:6380/1") != std::string::npos);
  CHECK(text.find("top-secret-value") == std::string::npos);
  CHECK(text.find("hunter2-redis") == std::string::npos);
}

namespace {
const char* idp_head =
    "sso:\n  identity_providers:\n    - id: corp\n      protocol: OIDC\n      name: Corp\n      server_url: https://login.corp.example\n"
    "      client_id: x\n      client_secret: y\n";

std::vector<sso_identity_provider> load_yaml(const std::string& yaml, bool insecure = false) {
  sg::test::scratch_dir dir;
  auto path = dir.path() + "/auth_config.yml";
  std::ofstream(path) << yaml;
  return load_auth_config(path, "https://cvat.example", insecure);
}

std::string yaml_error(const std::string& yaml, bool insecure = false) {
  try {
    load_yaml(yaml, insecure);
  } catch (const config_error& e) {
    CHECK(e.variable == "AUTH_CONFIG_PATH");
    return e.what();
  }
  return "";
}
}  // namespace

// Issue 9: which IdPs may assert emails, and where their discovery may place endpoints.
TEST_CASE("auth_config.yml: trust_email and endpoint_origins per IdP", "[config][oidc]") {
  auto plain = load_yaml(idp_head);
  REQUIRE(plain.size() == 1);
  CHECK_FALSE(plain[0].trust_email);  // default off
  CHECK(plain[0].endpoint_origins.empty());

  auto configured = load_yaml(std::string(idp_head) +
                              "      trust_email: true\n"
                              "      endpoint_origins:\n        - https://Tokens.Corp.example:443/\n        - https://keys.corp.example:8443\n");
  REQUIRE(configured.size() == 1);
  CHECK(configured[0].trust_email);
  CHECK(configured[0].endpoint_origins == std::vector<std::string>{"https://tokens.corp.example", "https://keys.corp.example:8443"});
  CHECK_FALSE(load_yaml(std::string(idp_head) + "      trust_email: false\n")[0].trust_email);

  struct bad_value {
    std::string yaml;
    bool insecure;
    const char* expected;
  };
  for (const auto& [yaml, insecure, expected] : {
           bad_value{"      trust_email: yes please\n", false, "'trust_email' must be true or false"},
           bad_value{"      trust_email: 1\n", false, "'trust_email' must be true or false"},
           bad_value{"      trust_email: [true]\n", false, "'trust_email' must be true or false"},
           bad_value{"      endpoint_origins: https://tokens.corp.example\n", false, "'endpoint_origins' must be a list"},
           bad_value{"      endpoint_origins:\n        - javascript:alert(1)\n", false, "'endpoint_origins' entries must be origins"},
           bad_value{"      endpoint_origins:\n        - https://tokens.corp.example/path\n", false, "'endpoint_origins' entries must be origins"},
           bad_value{"      endpoint_origins:\n        - https://user@tokens.corp.example\n", false, "'endpoint_origins' entries must be origins"},
           bad_value{"      endpoint_origins:\n        - https://tokens.corp.example:443:80\n", false, "'endpoint_origins' entries must be origins"},
           bad_value{"      endpoint_origins:\n        - {a: b}\n", false, "'endpoint_origins' entries must be origins"},
           bad_value{"      endpoint_origins:\n        - http://tokens.corp.example\n", false, "SOCIAL_AUTH_ALLOW_INSECURE_HTTP"},
       }) {
    INFO(yaml);
    auto message = yaml_error(idp_head + yaml, insecure);
    CHECK(message.find(expected) != std::string::npos);
    CHECK(message.find("line") != std::string::npos);
  }
  CHECK(load_yaml(std::string(idp_head) + "      endpoint_origins:\n        - http://127.0.0.1:9000\n", true)[0].endpoint_origins ==
        std::vector<std::string>{"http://127.0.0.1:9000"});
}

TEST_CASE("cookie names never collide with Django's sessionid and csrftoken", "[config]") {
  auto named = load_config(env({{"SOCIAL_AUTH_SESSION_COOKIE_NAME", "gate_session"},
                                {"SOCIAL_AUTH_CSRF_COOKIE_NAME", "gate_csrf"}}));
  CHECK(named.session_cookie_name == "gate_session");
  CHECK(named.csrf_cookie_name == "gate_csrf");
  CHECK(named.deprecated_variables.empty());

  // The old names are still read, with a deprecation warning, when the new ones are unset.
  auto old = load_config(env({{"SESSION_COOKIE_NAME", "old_session"}, {"CSRF_COOKIE_NAME", "old_csrf"}}));
  CHECK(old.session_cookie_name == "old_session");
  CHECK(old.csrf_cookie_name == "old_csrf");
  CHECK(old.deprecated_variables == std::vector<std::string>{"SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME"});
  // The new name wins over the old one.
  auto both = load_config(env({{"SESSION_COOKIE_NAME", "old_session"}, {"SOCIAL_AUTH_SESSION_COOKIE_NAME", "new_session"}}));
  CHECK(both.session_cookie_name == "new_session");
  CHECK(both.deprecated_variables.empty());

  // Any setting that resolves to Django's names stops start-up, naming the variable.
  CHECK(error_variable({{"SOCIAL_AUTH_SESSION_COOKIE_NAME", "sessionid"}}) == "SOCIAL_AUTH_SESSION_COOKIE_NAME");
  CHECK(error_variable({{"SOCIAL_AUTH_CSRF_COOKIE_NAME", "csrftoken"}}) == "SOCIAL_AUTH_CSRF_COOKIE_NAME");
  CHECK(error_variable({{"SESSION_COOKIE_NAME", "sessionid"}}) == "SESSION_COOKIE_NAME");
  CHECK(error_variable({{"CSRF_COOKIE_NAME", "csrftoken"}}) == "CSRF_COOKIE_NAME");
  CHECK(error_variable({{"SOCIAL_AUTH_CSRF_COOKIE_NAME", "sessionid"}}) == "SOCIAL_AUTH_CSRF_COOKIE_NAME");
  CHECK(error_variable({{"SOCIAL_AUTH_SESSION_COOKIE_NAME", "a;b"}}) == "SOCIAL_AUTH_SESSION_COOKIE_NAME");
  CHECK(error_variable({{"SOCIAL_AUTH_CSRF_COOKIE_NAME", "sg_sessionid"}}) == "SOCIAL_AUTH_CSRF_COOKIE_NAME");
  try {
    load_config(env({{"SESSION_COOKIE_NAME", "sessionid"}}));
    FAIL("sessionid accepted");
  } catch (const config_error& e) {
    std::string line = e.what();
    CHECK(line.find('\n') == std::string::npos);  // one line
    CHECK(line.find("Django") != std::string::npos);
  }
}
