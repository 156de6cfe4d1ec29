// A provider worker that crashes mid-login, in an in-process replica whose GitHub provider is
// wrapped to throw once; the dev IdP and Redis are real.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "app/service.hpp"
#include "providers/provider_factory.hpp"
#include "support/deployment.hpp"
#include "support/scripted_provider.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

TEST_CASE("a worker that throws is restarted and the next login succeeds while other providers are untouched", "[e2e][actors][faults]") {
  deployment_options options;
  options.replicas = 0;
  deployment env(options);
  auto variables = env.socialgate_env();
  auto config = load_config(env_reader(map_environment(variables)));
  auto github = std::make_shared<scripted_provider>("github", make_providers(config).at(0));
  auto other = std::make_shared<scripted_provider>("other");
  service replica(config, {github, other});
  auto url = "http://127.0.0.1:" + std::to_string(replica.start());
  env.start_replica();  // a process replica too, so that begin_login has somewhere to start
  browser probe(env.site());
  auto pools = [&] { return json::parse(probe.get(url + "/readyz").body)["components"]["providers"]; };
  REQUIRE(wait_until([&] { return probe.get(url + "/readyz").status == 200; }));
  auto other_workers = pools()["other"]["worker_ids"];

  auto b = env.new_browser();
  auto begun = env.begin_login(b, "octocat", 0);
  github->crashes_left = 1;
  auto crashed = b.get(begun.callback_url, url);
  CHECK(crashed.status == 503);
  CHECK(json::parse(crashed.body)["detail"].get<std::string>().find("failed unexpectedly") != std::string::npos);
  CHECK(crashed.set_cookie("sg_sessionid").empty());

  REQUIRE(wait_until([&] { return pools()["github"]["restarts"] == 1 && pools()["github"]["ready"] == true; }));
  auto fresh = env.begin_login(b, "octocat", 0);
  auto ok = b.get(fresh.callback_url, url);
  CHECK(ok.status == 302);
  CHECK(b.get(url + "/api/users/self").status == 200);
  CHECK(pools()["other"]["worker_ids"] == other_workers);
  auto metrics = probe.get(url + "/metrics").body;
  CHECK(metrics.find("socialgate_provider_worker_restarts_total{provider=\"github\"} 1\n") != std::string::npos);
  CHECK(metrics.find("socialgate_provider_worker_restarts_total{provider=\"other\"} 0\n") != std::string::npos);
  CHECK(pools()["other"]["restarts"] == 0);
  replica.stop();
}
