// Redis stopped and started again under a running replica, or refusing writes while PING answers.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg;
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

namespace {
nlohmann::json readyz_redis(browser& b, deployment& env) {
  return nlohmann::json::parse(b.get(env.replica(0) + "/readyz").body)["components"]["redis"];
}
}  // namespace

TEST_CASE("Redis full under noeviction gives 503 on login and readyz while PING answers and recovers when lifted", "[e2e][redis][faults]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  auto pending = env.begin_login(b, "octocat");  // a login in flight when memory runs out
  auto& redis = env.redis().client();
  redis.command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  redis.command({"CONFIG", "SET", "maxmemory", "1"});

  CHECK(redis.ping());  // Redis is up; it only refuses writes
  auto ready = b.get(env.replica(0) + "/readyz");
  CHECK(ready.status == 503);
  CHECK(readyz_redis(b, env)["ready"] == false);
  CHECK(readyz_redis(b, env)["detail"].get<std::string>().find("OOM") != std::string::npos);
  auto start = b.get(env.replica(0) + "/api/auth/github/login/");
  CHECK(start.status == 503);
  CHECK(start.header("Location").empty());
  CHECK(nlohmann::json::parse(start.body)["detail"].get<std::string>().find("Redis") != std::string::npos);
  auto callback = b.get(pending.callback_url, env.replica(0));
  CHECK(callback.status == 503);
  CHECK(callback.set_cookie("sg_sessionid").empty());
  CHECK(env.replica_process(0).running());
  // Operators see it: refused writes count as Redis errors.
  auto metrics = b.get(env.replica(0) + "/metrics").body;
  CHECK(metrics.find("socialgate_redis_errors_total 0\n") == std::string::npos);
  CHECK(metrics.find("socialgate_redis_errors_total ") != std::string::npos);

  redis.command({"CONFIG", "SET", "maxmemory", "0"});
  REQUIRE(wait_until([&] { return b.get(env.replica(0) + "/readyz").status == 200; }));
  // Nothing was half-done while Redis refused writes: the login in flight finishes now.
  CHECK(b.get(pending.callback_url, env.replica(0)).status == 302);
  auto fresh = env.new_browser();
  CHECK(env.login(fresh, "octocat").callback.status == 302);
  CHECK(fresh.get(env.replica(0) + "/api/users/self").status == 200);
}

TEST_CASE("Redis turned into a read-only replica gives 503 on login and readyz and recovers when promoted back", "[e2e][redis][faults]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  redis_server other(env.scratch());  // becomes the master for a while
  other.client().command({"CONFIG", "SET", "repl-diskless-sync-delay", "0"});
  auto& redis = env.redis().client();
  redis.command({"REPLICAOF", "127.0.0.1", std::to_string(other.port())});

  CHECK(redis.ping());
  REQUIRE(wait_until([&] { return b.get(env.replica(0) + "/readyz").status == 503; }));
  auto start = b.get(env.replica(0) + "/api/auth/github/login/");
  CHECK(start.status == 503);
  CHECK(start.header("Location").empty());
  CHECK(nlohmann::json::parse(start.body)["detail"].get<std::string>().find("Redis") != std::string::npos);
  CHECK(env.replica_process(0).running());

  redis.command({"REPLICAOF", "NO", "ONE"});
  REQUIRE(wait_until([&] { return b.get(env.replica(0) + "/readyz").status == 200; }));
  auto fresh = env.new_browser();
  CHECK(env.login(fresh, "octocat").callback.status == 302);
  CHECK(fresh.get(env.replica(0) + "/api/users/self").status == 200);
}
