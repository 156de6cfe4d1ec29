// Redis stopped and started again under a running replica.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg::test;

TEST_CASE("Redis down gives clear 503s and no crash and Redis back gives working logins without a restart", "[e2e][redis][faults]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);

  env.redis().stop();
  auto ready = b.get(env.replica(0) + "/readyz");
  CHECK(ready.status == 503);
  CHECK(nlohmann::json::parse(ready.body)["components"]["redis"]["ready"] == false);
  auto start = b.get(env.replica(0) + "/api/auth/github/login/");
  CHECK(start.status == 503);
  CHECK(nlohmann::json::parse(start.body)["detail"].get<std::string>().find("Redis") != std::string::npos);
  auto verify = b.get(env.replica(0) + "/api/auth/verify");
  CHECK(verify.status == 503);
  CHECK(b.get(env.replica(0) + "/healthz").status == 200);
  CHECK(env.replica_process(0).running());

  env.redis().start();
  REQUIRE(wait_until([&] { return b.get(env.replica(0) + "/readyz").status == 200; }));
  auto fresh = env.new_browser();
  auto out = env.login(fresh, "octocat");
  CHECK(out.callback.status == 302);
  CHECK(fresh.get(env.replica(0) + "/api/users/self").status == 200);
  CHECK(env.replica_process(0).running());
}
