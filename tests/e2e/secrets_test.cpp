// Secrets and tokens never reach logs, error pages, /metrics or check-config: a full login and a
// run of failures, then every output is searched for every secret that took part.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/deployment.hpp"

using namespace sg::test;

TEST_CASE("no secret, token, code or cookie value in logs, error pages, metrics or check-config", "[e2e][security]") {
  deployment_options options;
  options.replicas = 2;
  options.env["SOCIAL_AUTH_FLOW"] = "cvat-ui";
  deployment env(options);
  std::string pages;
  auto b = env.new_browser();

  // A full login through the cvat-ui flow, and the failures around it.
  auto out = env.login(b, "octocat", 0, 1);
  auto one_time = query_value(out.callback.header("Location"), "code");
  auto token = b.post(env.site() + "/api/auth/github/login/token", nlohmann::json{{"code", one_time}}.dump(),
                      "application/json", env.replica(0));
  REQUIRE(token.status == 200);
  pages += token.body;  // the key is meant to be here, and only here
  auto key = nlohmann::json::parse(token.body)["key"].get<std::string>();
  std::vector<std::string> failures = {
      out.callback_url,  // replayed
      env.site() + "/api/auth/github/login/callback/?code=" + query_value(out.callback_url, "code") + "&state=forged-state-value-123456",
      env.site() + "/api/auth/github/login/callback/?error=server_error&error_description=boom",
  };
  for (const auto& url : failures) pages += b.get(url, env.replica(1), {{"Accept", "text/html"}}).body;
  pages += b.post(env.site() + "/api/auth/github/login/token", nlohmann::json{{"code", one_time}}.dump(),
                  "application/json", env.replica(1)).body;
  pages += b.post(env.replica(0) + "/api/auth/logout", "", "application/json").body;  // no CSRF header: 403
  pages += b.get(env.replica(0) + "/metrics").body + b.get(env.replica(1) + "/readyz").body;
  auto csrf = b.cookies["sg_csrftoken"], binding = b.cookies["sg_binding"];
  pages += b.post(env.replica(1) + "/api/auth/logout", "", "application/json", "", {{"X-CSRFTOKEN", csrf}}).body;

  scratch_dir dir;
  auto variables = env.socialgate_env();
  child_process check({SG_SOCIALGATE_BIN, "check-config"}, variables, dir.path() + "/check.log");
  REQUIRE(check.wait_exit() == 0);

  std::string everything = pages + check.log() + env.replica_process(0).log() + env.replica_process(1).log();
  std::vector<std::pair<std::string, std::string>> secrets = {
      {"client secret", "test-secret"},
      {"session id / key", key},
      {"CSRF token", csrf},
      {"binding cookie", binding},
      {"state", out.state},
      {"IdP code", query_value(out.callback_url, "code")},
      {"one-time code", one_time},
      {"IdP access token prefix", "gho_"},
  };
  for (const auto& [what, value] : secrets) {
    INFO(what);
    REQUIRE(value.size() >= 4);
    auto shown = everything;
    if (what == "session id / key") shown.erase(shown.find(token.body), token.body.size());
    CHECK(shown.find(value) == std::string::npos);
  }
}
