// Provider pools under their supervisors, in process: crashes, restart intensity, retries.
#include <catch2/catch.hpp>

#include "actors/runtime.hpp"
#include "support/scripted_provider.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
pool_status status_of(actor_runtime& runtime, const std::string& slug) {
  for (auto& s : runtime.status())
    if (s.slug == slug) return s;
  FAIL("no pool " << slug);
  return {};
}
}  // namespace

TEST_CASE("a crashing worker is restarted and its caller gets a clear error while other pools are untouched", "[actors]") {
  auto flaky = std::make_shared<scripted_provider>("flaky");
  auto steady = std::make_shared<scripted_provider>("steady");
  pool_settings settings;
  settings.workers = 2;
  actor_runtime runtime({flaky, steady}, settings);
  auto steady_before = status_of(runtime, "steady").worker_ids;
  auto flaky_before = status_of(runtime, "flaky").worker_ids;

  flaky->crashes_left = 1;
  CHECK_THROWS_AS(runtime.fetch_identity("flaky", {"code", "", "", "", false, ""}), pool_unavailable);
  REQUIRE(wait_until([&] {
    auto s = status_of(runtime, "flaky");
    return s.restarts == 1 && s.workers_alive == 2;
  }));
  auto flaky_after = status_of(runtime, "flaky");
  CHECK(flaky_after.ready);
  CHECK(flaky_after.worker_ids != flaky_before);
  CHECK(runtime.fetch_identity("flaky", {"next-code", "", "", "", false, ""}).subject == "next-code");

  auto steady_after = status_of(runtime, "steady");
  CHECK(steady_after.worker_ids == steady_before);
  CHECK(steady_after.restarts == 0);
  CHECK(runtime.fetch_identity("steady", {"s", "", "", "", false, ""}).subject == "s");
}

TEST_CASE("past the restart intensity the pool backs off and reports not ready and then recovers", "[actors]") {
  auto flaky = std::make_shared<scripted_provider>("flaky");
  pool_settings settings;
  settings.workers = 1;
  settings.max_restarts = 2;
  settings.restart_window = std::chrono::seconds(30);
  settings.backoff_initial = std::chrono::milliseconds(300);
  actor_runtime runtime({flaky}, settings);

  flaky->crashes_left = 3;
  for (int i = 0; i < 3; ++i) {
    // Each call either hits the crash or finds the pool restarting: never a hang, never success.
    CHECK_THROWS_AS(runtime.fetch_identity("flaky", {"c", "", "", "", false, ""}), pool_unavailable);
    wait_until([&] { return status_of(runtime, "flaky").workers_alive == 1 || !status_of(runtime, "flaky").ready; });
  }
  auto during = status_of(runtime, "flaky");
  CHECK_FALSE(during.ready);
  CHECK(during.state == "backoff");
  CHECK_THROWS_AS(runtime.fetch_identity("flaky", {"c", "", "", "", false, ""}), pool_unavailable);

  REQUIRE(wait_until([&] { return status_of(runtime, "flaky").ready; }, std::chrono::seconds(5)));
  CHECK(runtime.fetch_identity("flaky", {"after", "", "", "", false, ""}).subject == "after");
}

TEST_CASE("a call that reaches a worker while it is being restarted is retried and not lost", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.workers = 1;
  settings.max_restarts = 1000;
  actor_runtime runtime({idp}, settings);
  for (int round = 0; round < 20; ++round) {
    runtime.kill_worker("idp", 0);
    CHECK(runtime.fetch_identity("idp", {"code-" + std::to_string(round), "", "", "", false, ""}).subject ==
          "code-" + std::to_string(round));
  }
  auto status = status_of(runtime, "idp");
  CHECK(status.restarts == 20);
  INFO("calls retried after landing on a dead worker: " << status.retries);
  CHECK(status.ready);
}
