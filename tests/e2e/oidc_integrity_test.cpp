// Issue 9 (identity integrity), the provider boundary end to end: look-alike email claims never
// become a second octocat, hostile discovery documents are refused before any browser or client
// secret is sent anywhere, and a key replaced under the same kid is refetched.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg::test;
using json = nlohmann::json;

namespace {
json dev_user(const std::string& login, long long id, const std::string& email) {
  return {{"login", login}, {"id", id}, {"name", "Mona Octocat"},
          {"emails", json::array({{{"email", email}, {"primary", true}, {"verified", true}}})}};
}

long token_requests(const deployment& env) { return env.idp_stats()["token_requests"].get<long>(); }

// A replica started by hand, for configurations whose /readyz stays 503 (deployment waits for 200).
struct replica_process {
  scratch_dir dir;
  std::unique_ptr<child_process> process;
  std::string url;
  replica_process(const std::map<std::string, std::string>& env) {
    process = std::make_unique<child_process>(std::vector<std::string>{SG_SOCIALGATE_BIN}, env, dir.path() + "/sg.log");
    auto port = process->wait_for_listening_port();
    REQUIRE(port);
    url = "http://127.0.0.1:" + std::to_string(*port);
  }
};
}  // namespace

TEST_CASE("OIDC integrity: NUL, spaces and a tab in an email never make a second octocat", "[e2e][oidc][claims][security]") {
  deployment_options options;
  options.oidc = true;
  options.idp_users_json = json::array({dev_user("octocat", 583231, "octocat@example.com"),
                                        dev_user("nul-octocat", 583232, std::string("octocat@example.com\0x", 21)),
                                        dev_user("spaced-octocat", 583233, " octocat@example.com "),
                                        dev_user("tab-octocat", 583234, "octocat@example.com\t")})
                               .dump();
  deployment env(options);

  auto real = env.new_browser();
  REQUIRE(env.login(real, "octocat").callback.status == 302);
  auto real_verify = real.get(env.replica(0) + "/api/auth/verify");
  REQUIRE(real_verify.status == 200);
  REQUIRE(real_verify.header("X-Auth-Email") == "octocat@example.com");  // what an impostor would copy
  auto real_id = real_verify.header("X-Auth-User-Id");

  for (const std::string provider : {"github", "google"}) {
    for (const std::string login : {"nul-octocat", "spaced-octocat", "tab-octocat"}) {
      INFO(provider << " " << login);
      auto b = env.new_browser();
      auto out = env.login(b, login, 0, 0, "/", provider);
      REQUIRE(out.callback.status == 302);  // the login works, the address is just not used
      auto verify = b.get(env.replica(0) + "/api/auth/verify");
      REQUIRE(verify.status == 200);
      CHECK(verify.header("X-Auth-User-Id") != real_id);
      CHECK(verify.header("X-Auth-Email") != "octocat@example.com");
      CHECK(verify.header("X-Auth-Email").find("octocat") == std::string::npos);
      auto self = json::parse(b.get(env.replica(0) + "/api/users/self").body);
      CHECK(self["id"] != json(real_id));
      CHECK(self.value("email", std::string()) == "");  // counted as absent
      CHECK(self["email_verified"] == false);
    }
  }
}

TEST_CASE("OIDC integrity: an upper-case email domain is stored lower-case", "[e2e][oidc][claims]") {
  deployment_options options;
  options.oidc = true;
  options.idp_users_json = json::array({dev_user("upper-octocat", 583235, "OctoCat@EXAMPLE.COM")}).dump();
  deployment env(options);
  auto b = env.new_browser();
  REQUIRE(env.login(b, "upper-octocat", 0, 0, "/", "google").callback.status == 302);
  auto self = json::parse(b.get(env.replica(0) + "/api/users/self").body);
  CHECK(self["email"] == "OctoCat@example.com");  // the local part is the owner's, kept as given
  CHECK(b.get(env.replica(0) + "/api/auth/verify").header("X-Auth-Email") == "OctoCat@example.com");
}

TEST_CASE("OIDC integrity: a discovery document with a foreign token endpoint is refused", "[e2e][oidc][discovery][security]") {
  deployment_options options;
  options.oidc = true;
  options.replicas = 0;
  deployment env(options);
  REQUIRE(env.idp_post("/google/_dev/misbehave?mode=foreign-endpoints") == 200);
  replica_process replica(env.socialgate_env());
  // The refusal is logged, naming the endpoint and the origin it pointed at.
  REQUIRE(wait_until([&] { return replica.process->log().find("token_endpoint is on http://localhost:") != std::string::npos; }));
  auto b = env.new_browser();
  auto ready = json::parse(b.get(replica.url + "/readyz").body);
  CHECK(ready["components"]["providers"]["google"]["ready"] == false);

  auto tokens_before = token_requests(env);
  auto start = b.get(replica.url + "/api/auth/google/login/");
  CHECK(start.status == 503);
  CHECK(start.header("Location").empty());
  if (start.status == 302) {  // the old behaviour: finish the login and see where the code goes
    auto idp = b.get(start.header("Location") + "&dev_login=octocat");
    if (idp.status == 302) b.get(idp.header("Location"), replica.url);
  }
  CHECK(token_requests(env) == tokens_before);  // the client secret went nowhere
  CHECK(replica.process->running());
}

TEST_CASE("OIDC integrity: a javascript: authorization endpoint never becomes a Location", "[e2e][oidc][discovery][security]") {
  deployment_options options;
  options.oidc = true;
  options.replicas = 0;
  deployment env(options);
  REQUIRE(env.idp_post("/google/_dev/misbehave?mode=javascript-endpoint") == 200);
  replica_process replica(env.socialgate_env());
  REQUIRE(wait_until([&] { return replica.process->log().find("authorization_endpoint is not an http(s) URL") != std::string::npos; }));
  auto b = env.new_browser();
  auto start = b.get(replica.url + "/api/auth/google/login/?next=%2F");
  CHECK(start.status == 503);
  CHECK(start.header("Location").find("javascript:") == std::string::npos);
  CHECK(start.body.find("javascript:") == std::string::npos);
  // The other providers are untouched.
  auto github = b.get(replica.url + "/api/auth/github/login/");
  CHECK(github.status == 302);
}

TEST_CASE("OIDC integrity: endpoint_origins lets an IdP keep its endpoints on a listed origin", "[e2e][oidc][discovery]") {
  deployment_options options;
  options.oidc = true;
  options.replicas = 0;
  deployment env(options);
  REQUIRE(env.idp_post("/oidc/_dev/misbehave?mode=foreign-endpoints") == 200);
  auto port = env.idp_url().substr(env.idp_url().rfind(':') + 1);
  auto path = env.scratch() + "/auth_config_origins.yml";
  std::ofstream(path) << "sso:\n  identity_providers:\n    - id: corp\n      protocol: OIDC\n      name: Corp SSO\n"
                      << "      server_url: " << env.idp_url() << "/oidc\n"
                      << "      client_id: test-client\n      client_secret: test-secret\n"
                      << "      endpoint_origins:\n        - http://localhost:" << port << "\n";
  env.start_replica({{"AUTH_CONFIG_PATH", path}});
  auto tokens_before = token_requests(env);
  auto b = env.new_browser();
  CHECK(env.login(b, "octocat", 0, 0, "/", "oidc/corp").callback.status == 302);
  CHECK(token_requests(env) == tokens_before + 1);  // at the listed origin
  CHECK(b.get(env.replica(0) + "/api/auth/verify").status == 200);
}

TEST_CASE("OIDC integrity: a key replaced under the same kid is refetched at once", "[e2e][oidc][jwks]") {
  deployment_options options;
  options.oidc = true;
  deployment env(options);
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat", 0, 0, "/", "oidc/corp").callback.status == 302);
  auto fetches = env.idp_stats()["jwks_requests"].get<long>();
  REQUIRE(env.idp_post("/oidc/_dev/rotate-keys?same_kid=1") == 200);
  auto after = env.new_browser();
  auto out = env.login(after, "octocat", 0, 0, "/", "oidc/corp");
  CHECK(out.callback.status == 302);
  CHECK(after.get(env.replica(0) + "/api/auth/verify").status == 200);
  CHECK(env.idp_stats()["jwks_requests"].get<long>() == fetches + 1);  // exactly one refetch
}
