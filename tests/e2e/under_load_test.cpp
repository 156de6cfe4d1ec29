// Faults while logins run: SIGTERM, a replica killed, Redis restarted, a slow provider.
#include <catch2/catch.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "loadtest/report.hpp"
#include "support/background_load.hpp"
#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
sg::load::load_options load_on(deployment& env, std::vector<std::string> targets, const std::string& provider = "github",
                               const std::string& prefix = "load") {
  sg::load::load_options options;
  options.targets = std::move(targets);
  options.site = env.site();
  options.provider = provider;
  options.user_prefix = prefix;
  options.checks_per_login = 1;
  return options;
}

deployment_options under_load(int replicas) {
  deployment_options options;
  options.replicas = replicas;
  options.env["SOCIAL_AUTH_RATE_LIMITS"] = "off";
  options.env["SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS"] = "1000000";
  return options;
}

// Keys that are permanent by design (accounts and global counters); everything else expires.
bool permanent(const std::string& key) {
  for (const char* prefix : {"{sg:acct}:", "sg:user:", "sg:identity:", "sg:email:", "sg:username:", "sg:user-identities:",
                             "sg:user-seq", "sg:stats:"})
    if (key.rfind(prefix, 0) == 0) return true;
  return false;
}

std::vector<double> google_login_times(deployment& env, int count) {
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto b = env.new_browser();
    auto started = std::chrono::steady_clock::now();
    auto out = env.login(b, "octocat", 0, 0, "/", "google");
    REQUIRE(out.callback.status == 302);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  }
  return ms;
}
}  // namespace

TEST_CASE("SIGTERM under load: in-flight requests complete and the process exits 0", "[e2e][load][shutdown]") {
  deployment env(under_load(1));
  background_load load(load_on(env, {env.replica(0)}), 16, 30);
  REQUIRE(wait_until([&] { return load.results().logins() >= 30; }, std::chrono::seconds(20)));
  env.replica_process(0).signal(SIGTERM);
  CHECK(env.replica_process(0).wait_exit(std::chrono::seconds(20)) == 0);
  load.stop();
  // After the stop, new connections are refused (":network", at whatever step a user was);
  // no request that was accepted got an error status.
  for (const auto& [kind, count] : load.results().failure_kinds()) {
    INFO(kind << " x" << count);
    CHECK(kind.substr(kind.find(':')) == ":network");
  }
}

TEST_CASE("a replica killed under load: sessions stay valid on the survivor and every transient key expires", "[e2e][load][replicas]") {
  deployment env(under_load(2));
  std::vector<browser> signed_in;
  for (int i = 0; i < 5; ++i) {
    signed_in.push_back(env.new_browser());
    REQUIRE(env.login(signed_in.back(), "user-" + std::to_string(i), i % 2, (i + 1) % 2).callback.status == 302);
  }
  {
    background_load load(load_on(env, {env.replica(0), env.replica(1)}), 16, 30);
    REQUIRE(wait_until([&] { return load.results().logins() >= 40; }, std::chrono::seconds(20)));
    env.replica_process(1).signal(SIGKILL);
    REQUIRE(env.replica_process(1).wait_exit() == 128 + SIGKILL);
    load.stop();
  }
  for (auto& b : signed_in) CHECK(b.get(env.replica(0) + "/api/auth/verify").status == 200);
  background_load survivor(load_on(env, {env.replica(0)}, "github", "after"), 8, 30);
  REQUIRE(wait_until([&] { return survivor.results().logins() >= 40; }, std::chrono::seconds(20)));
  survivor.stop();
  CHECK(survivor.results().failures() == 0);

  auto& redis = env.redis().client();
  for (const auto& key : redis.command({"KEYS", "sg:*"}).elements) {
    if (permanent(key.text)) continue;
    INFO(key.text);
    CHECK(redis.command({"TTL", key.text}).integer > 0);
  }
}

TEST_CASE("Redis restarted under load: clear 503s while down and full service after, with sessions kept", "[e2e][load][redis]") {
  auto options = under_load(1);
  options.redis_persistence = true;
  deployment env(options);
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  {
    background_load load(load_on(env, {env.replica(0)}), 8, 30);
    REQUIRE(wait_until([&] { return load.results().logins() >= 20; }, std::chrono::seconds(20)));
    env.redis().stop();
    REQUIRE(wait_until([&] { return load.results().failures() >= 10; }, std::chrono::seconds(20)));
    env.redis().start();
    REQUIRE(wait_until([&] { return browser(env.site()).get(env.replica(0) + "/readyz").status == 200; }));
    load.stop();
    // While Redis was away every failure was a 503 from socialgate: no 500, no dropped connection.
    for (const auto& [kind, count] : load.results().failure_kinds()) {
      INFO(kind << " x" << count);
      CHECK(kind.substr(kind.find(':')) == ":503");
    }
  }
  CHECK(env.replica_process(0).running());
  CHECK(b.get(env.replica(0) + "/api/users/self").status == 200);  // persisted through the restart
  background_load after(load_on(env, {env.replica(0)}, "github", "after"), 8, 30);
  REQUIRE(wait_until([&] { return after.results().logins() >= 20; }, std::chrono::seconds(20)));
  after.stop();
  CHECK(after.results().failures() == 0);
}

// Isolation, not speed: the project's tests never assert a time or a speed ratio (this one used
// to, and failed on a busy machine at 9.1 ms against 4.0 ms). What isolation means is checked
// instead: with the slow provider's pool saturated (every worker busy, calls waiting), every
// login with the other provider succeeds and its own pool never has a call waiting. The
// latencies are printed for the reader.
TEST_CASE("a provider slowed to 200 ms with 200 users on it leaves every login with another provider working and never queued behind it", "[e2e][load][isolation]") {
  auto options = under_load(1);
  options.oidc = true;
  options.idp_threads = 512;
  deployment env(options);
  browser ops(env.site());
  auto pool = [&](const std::string& slug) {
    return nlohmann::json::parse(ops.get(env.replica(0) + "/readyz").body)["components"]["providers"][slug];
  };
  google_login_times(env, 5);  // warm up connections and accounts
  auto unloaded = sg::load::percentile(google_login_times(env, 40), 99);

  REQUIRE(env.idp_post("/_dev/faults?target=github&latency_ms=200") == 200);
  background_load slow(load_on(env, {env.replica(0)}), 200, 60);
  auto saturated = [&] {
    auto github = pool("github");
    return github["busy"].get<int>() == github["workers_target"].get<int>() && github["queued"].get<int>() > 0;
  };
  REQUIRE(wait_until([&] { return slow.results().logins() >= 5; }, std::chrono::seconds(30)));  // slow, but working
  REQUIRE(wait_until(saturated, std::chrono::seconds(30)));
  std::vector<double> loaded;
  int google_waiting = 0, github_saturated = 0;
  for (int i = 0; i < 40; ++i) {
    loaded.push_back(google_login_times(env, 1).front());  // REQUIREs the login's success
    auto google = pool("google");
    google_waiting += google["queued"].get<int>();
    if (saturated()) ++github_saturated;
  }
  auto slow_logins = slow.results().logins();
  slow.stop();
  REQUIRE(env.idp_post("/_dev/faults?target=github") == 200);

  CHECK(loaded.size() == 40);      // every Google login succeeded while GitHub's pool was full
  CHECK(google_waiting == 0);      // and none of them waited for a worker
  CHECK(github_saturated > 0);     // the slow pool was still full while they ran
  WARN("google p99 unloaded " << unloaded << " ms, with the slow provider saturated "
                              << sg::load::percentile(loaded, 99) << " ms; slow-provider logins " << slow_logins
                              << "; samples with the slow pool full " << github_saturated << "/40");
}
