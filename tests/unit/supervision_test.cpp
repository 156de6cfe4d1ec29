// Provider pools under their supervisors, and the supervisors under the root, in process:
// crashes, restart intensity, retries, supervisor restarts, login admission without a worker.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "actors/runtime.hpp"
#include "support/scripted_provider.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
pool_status status_of(actor_runtime& runtime, const std::string& slug) {
  for (auto& s : runtime.status_blocking())
    if (s.slug == slug) return s;
  FAIL("no pool " << slug);
  return {};
}

code_exchange exchange_of(const std::string& code) { return {code, "", "", "", false, ""}; }

authorize_request login_request(const std::string& state) {
  authorize_request request;
  request.state = state;
  request.redirect_uri = "http://sg.test/cb/";
  return request;
}

// Settings under which a supervisor that dies stays down for the whole test: the first death
// already exceeds the restart intensity, and the backoff outlasts any test.
pool_settings supervisor_stays_down(pool_settings settings) {
  settings.max_restarts = 0;
  settings.backoff_initial = std::chrono::minutes(10);
  settings.backoff_max = std::chrono::minutes(10);
  return settings;
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
  auto crashed = runtime.fetch_identity_blocking("flaky", exchange_of("code"));
  CHECK(crashed.error == pool_error::worker_crashed);
  CHECK(crashed.message == "the provider worker failed unexpectedly");
  REQUIRE(wait_until([&] {
    auto s = status_of(runtime, "flaky");
    return s.restarts == 1 && s.workers_alive == 2;
  }));
  auto flaky_after = status_of(runtime, "flaky");
  CHECK(flaky_after.ready);
  CHECK(flaky_after.worker_ids != flaky_before);
  auto next = runtime.fetch_identity_blocking("flaky", exchange_of("next-code"));
  CHECK(next.error == pool_error::none);
  CHECK(next.identity.subject == "next-code");

  auto steady_after = status_of(runtime, "steady");
  CHECK(steady_after.worker_ids == steady_before);
  CHECK(steady_after.restarts == 0);
  CHECK(runtime.fetch_identity_blocking("steady", exchange_of("s")).identity.subject == "s");
}

namespace {
// Three crashes in a row with at most two restarts allowed: the third puts the pool in backoff.
void crash_past_intensity(actor_runtime& runtime, scripted_provider& flaky) {
  flaky.crashes_left = 3;
  for (int i = 0; i < 3; ++i) {
    // Each call either hits the crash or finds the pool restarting: never a hang, never success.
    auto result = runtime.fetch_identity_blocking("flaky", exchange_of("c"));
    CHECK((result.error == pool_error::worker_crashed || result.error == pool_error::restarting));
    wait_until([&] { return status_of(runtime, "flaky").workers_alive == 1 || !status_of(runtime, "flaky").ready; });
  }
}

pool_settings intensity_of_two(std::chrono::milliseconds backoff) {
  pool_settings settings;
  settings.workers = 1;
  settings.max_restarts = 2;
  settings.restart_window = std::chrono::seconds(30);
  settings.backoff_initial = backoff;
  settings.backoff_max = backoff;
  return settings;
}
}  // namespace

TEST_CASE("past the restart intensity the pool backs off and reports not ready", "[actors]") {
  auto flaky = std::make_shared<scripted_provider>("flaky");
  // A backoff longer than the test, so that what is checked during it cannot have ended.
  actor_runtime runtime({flaky}, intensity_of_two(std::chrono::minutes(10)));
  crash_past_intensity(runtime, *flaky);
  auto during = status_of(runtime, "flaky");
  CHECK_FALSE(during.ready);
  CHECK(during.state == "backoff");
  auto refused = runtime.fetch_identity_blocking("flaky", exchange_of("c"));
  CHECK(refused.error == pool_error::restarting);
  CHECK(refused.message == "the provider is restarting after repeated failures");
  auto login = runtime.start_login_blocking("flaky", login_request("s"));
  CHECK(login.error == pool_error::restarting);
  CHECK(login.message == "the provider is restarting after repeated failures");
}

TEST_CASE("past the restart intensity the pool recovers after its backoff", "[actors]") {
  auto flaky = std::make_shared<scripted_provider>("flaky");
  actor_runtime runtime({flaky}, intensity_of_two(std::chrono::milliseconds(300)));
  crash_past_intensity(runtime, *flaky);
  REQUIRE(wait_until([&] {
    auto s = status_of(runtime, "flaky");
    return s.restarts == 3 && s.ready;
  }));
  CHECK(runtime.fetch_identity_blocking("flaky", exchange_of("after")).identity.subject == "after");
}

TEST_CASE("a call that reaches a worker while it is being restarted is retried and not lost", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.workers = 1;
  settings.max_restarts = 1000;
  actor_runtime runtime({idp}, settings);
  for (int round = 0; round < 20; ++round) {
    runtime.kill_worker("idp", 0);
    auto result = runtime.fetch_identity_blocking("idp", exchange_of("code-" + std::to_string(round)));
    CHECK(result.error == pool_error::none);
    CHECK(result.identity.subject == "code-" + std::to_string(round));
  }
  auto status = status_of(runtime, "idp");
  CHECK(status.restarts == 20);
  INFO("calls retried after landing on a dead worker: " << status.retries);
  CHECK(status.ready);
}

TEST_CASE("a provider supervisor that dies is restarted by the root and its calls work again, other pools untouched", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  auto other = std::make_shared<scripted_provider>("other");
  pool_settings settings;
  settings.workers = 2;
  actor_runtime runtime({idp, other}, settings);
  auto idp_before = status_of(runtime, "idp").worker_ids;
  auto other_before = status_of(runtime, "other").worker_ids;

  runtime.kill_supervisor("idp");
  REQUIRE(wait_until([&] {
    auto s = status_of(runtime, "idp");
    return s.supervisor_restarts == 1 && s.ready && s.workers_alive == 2;
  }));
  auto after = status_of(runtime, "idp");
  CHECK(after.state == "running");
  CHECK(after.worker_ids != idp_before);  // the supervisor's workers went with it
  auto result = runtime.fetch_identity_blocking("idp", exchange_of("again"));
  CHECK(result.error == pool_error::none);
  CHECK(result.identity.subject == "again");
  CHECK(runtime.start_login_blocking("idp", login_request("s")).error == pool_error::none);

  auto other_after = status_of(runtime, "other");
  CHECK(other_after.worker_ids == other_before);
  CHECK(other_after.supervisor_restarts == 0);
}

TEST_CASE("while a provider supervisor is down its calls fail fast with restarting", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  auto other = std::make_shared<scripted_provider>("other");
  actor_runtime runtime({idp, other}, supervisor_stays_down(pool_settings{}));

  runtime.kill_supervisor("idp");
  // Before the root has noticed (the request bounces off the dead supervisor) and after (the
  // directory has no supervisor for it): the same answer either way.
  auto at_once = runtime.fetch_identity_blocking("idp", exchange_of("c"));
  CHECK(at_once.error == pool_error::restarting);
  REQUIRE(wait_until([&] { return status_of(runtime, "idp").state == "restarting"; }));
  auto status = status_of(runtime, "idp");
  CHECK_FALSE(status.ready);
  CHECK(status.supervisor_restarts == 0);

  auto exchange = runtime.fetch_identity_blocking("idp", exchange_of("c"));
  CHECK(exchange.error == pool_error::restarting);
  CHECK(exchange.message == "the provider's pool is being restarted");
  auto login = runtime.start_login_blocking("idp", login_request("s"));
  CHECK(login.error == pool_error::restarting);
  CHECK(login.url.empty());
  CHECK(idp->calls == 0);
  CHECK(idp->authorize_calls == 0);

  CHECK(runtime.fetch_identity_blocking("other", exchange_of("o")).identity.subject == "o");
  CHECK(status_of(runtime, "other").ready);
}

TEST_CASE("a provider supervisor past its restart intensity comes back after its backoff", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.max_restarts = 0;
  settings.backoff_initial = std::chrono::milliseconds(200);
  actor_runtime runtime({idp}, settings);

  runtime.kill_supervisor("idp");
  REQUIRE(wait_until([&] {
    auto s = status_of(runtime, "idp");
    return s.supervisor_restarts == 1 && s.ready;
  }));
  CHECK(runtime.fetch_identity_blocking("idp", exchange_of("back")).identity.subject == "back");
}

TEST_CASE("start_login asks only the supervisor: authorize URLs while every worker is busy", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.workers = 2;
  actor_runtime runtime({idp}, settings);

  idp->hold();
  std::vector<std::future<identity_result>> exchanges;
  for (int i = 0; i < 2; ++i)
    exchanges.push_back(std::async(std::launch::async, [&runtime, i] {
      return runtime.fetch_identity_blocking("idp", exchange_of("held-" + std::to_string(i)));
    }));
  REQUIRE(wait_until([&] { return idp->held_calls == 2; }));
  CHECK(status_of(runtime, "idp").busy == 2);

  for (int i = 0; i < 10; ++i) {
    auto login = runtime.start_login_blocking("idp", login_request("state-" + std::to_string(i)));
    CHECK(login.error == pool_error::none);
    CHECK(login.url == "https://idp.test/authorize?state=state-" + std::to_string(i));
  }
  CHECK(idp->authorize_calls == 10);
  CHECK(idp->calls == 2);  // only the two held exchanges ever reached a worker

  idp->release();
  for (auto& f : exchanges) CHECK(f.get().error == pool_error::none);
}

TEST_CASE("start_login is refused with the pool's own reasons: queue full, breaker open", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  pool_settings settings;
  settings.workers = 1;
  settings.queue_limit = 1;
  settings.breaker_threshold = 2;
  settings.breaker_cooldown = std::chrono::minutes(10);
  actor_runtime runtime({idp}, settings);

  SECTION("queue full") {
    idp->hold();
    std::vector<std::future<identity_result>> exchanges;
    exchanges.push_back(std::async(std::launch::async, [&] { return runtime.fetch_identity_blocking("idp", exchange_of("a")); }));
    REQUIRE(wait_until([&] { return idp->held_calls == 1; }));
    exchanges.push_back(std::async(std::launch::async, [&] { return runtime.fetch_identity_blocking("idp", exchange_of("b")); }));
    REQUIRE(wait_until([&] { return status_of(runtime, "idp").queued == 1; }));
    auto login = runtime.start_login_blocking("idp", login_request("s"));
    CHECK(login.error == pool_error::busy);
    CHECK(login.message == "too many logins in progress for this provider; try again shortly");
    CHECK(runtime.fetch_identity_blocking("idp", exchange_of("c")).error == pool_error::busy);
    idp->release();
    for (auto& f : exchanges) CHECK(f.get().error == pool_error::none);
  }

  SECTION("breaker open") {
    idp->idp_failures_left = 2;
    for (int i = 0; i < 2; ++i) {
      auto failed = runtime.fetch_identity_blocking("idp", exchange_of("x"));
      CHECK(failed.error == pool_error::idp_unavailable);
      CHECK(failed.message == "scripted: the IdP is down");
    }
    CHECK(status_of(runtime, "idp").breaker == "open");
    auto login = runtime.start_login_blocking("idp", login_request("s"));
    CHECK(login.error == pool_error::circuit_open);
    CHECK(login.message == "the identity provider is failing; sign-in with it is paused for a moment (circuit open)");
    CHECK(login.url.empty());
    CHECK(idp->authorize_calls == 0);
    CHECK(runtime.fetch_identity_blocking("idp", exchange_of("y")).error == pool_error::circuit_open);
    CHECK(idp->calls == 2);
  }
}

TEST_CASE("a provider that cannot build its authorize URL yet gives the matching pool error", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  actor_runtime runtime({idp}, pool_settings{});
  idp->authorize_unavailable = true;
  auto login = runtime.start_login_blocking("idp", login_request("s"));
  CHECK(login.error == pool_error::idp_unavailable);
  CHECK(login.message == "scripted: discovery not loaded");
  CHECK(http_status_of(login.error) == 503);

  auto unknown = runtime.start_login_blocking("nope", login_request("s"));
  CHECK(unknown.error == pool_error::unknown_provider);
  CHECK(runtime.fetch_identity_blocking("nope", exchange_of("c")).error == pool_error::unknown_provider);
}

TEST_CASE("after shutdown calls answer shutting_down", "[actors]") {
  auto idp = std::make_shared<scripted_provider>("idp");
  actor_runtime runtime({idp}, pool_settings{});
  runtime.shutdown();
  CHECK(runtime.fetch_identity_blocking("idp", exchange_of("c")).error == pool_error::shutting_down);
  CHECK(runtime.start_login_blocking("idp", login_request("s")).error == pool_error::shutting_down);
}

TEST_CASE("messages between the gateway and the pools are typed: no unsafe message types in the source", "[actors]") {
  // The typed_actor interfaces make the compiler check every message; this keeps the escape
  // hatch that would skip those checks from coming back.
  std::vector<std::string> offenders;
  for (const char* dir : {"actors", "gateway", "app", "providers", "core", "session-store"}) {
    auto root = std::filesystem::path(SG_SOURCE_DIR) / dir;
    if (!std::filesystem::exists(root)) continue;
    for (auto& file : std::filesystem::recursive_directory_iterator(root)) {
      if (!file.is_regular_file()) continue;
      std::ifstream in(file.path());
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().find("CAF_ALLOW_UNSAFE_MESSAGE_TYPE") != std::string::npos) offenders.push_back(file.path().string());
    }
  }
  std::string listed;
  for (auto& f : offenders) listed += f + "\n";
  INFO("CAF_ALLOW_UNSAFE_MESSAGE_TYPE in:\n" << listed);
  CHECK(offenders.empty());
}
