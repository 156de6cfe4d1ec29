// Issue 14, Sentinel mode: whole logins through two socialgate replicas that find their Redis
// master through three sentinels, while the master is SIGKILLed and the sentinels promote its
// replica. Users see 503s at worst during the failover, never a 500, and keep their sessions.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"
#include "support/process.hpp"
#include "support/redis_sentinel_fixture.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;
using namespace std::chrono_literals;

namespace {

using steady = std::chrono::steady_clock;

// Statuses seen by the background users, and when the 503s happened.
class status_log {
 public:
  void record(const std::string& what, int status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++counts_[what][status];
    if (status == 503) {
      auto now = steady::now();
      if (!first_503_) first_503_ = now;
      last_503_ = now;
    }
  }
  long count(int status) const {
    std::lock_guard<std::mutex> lock(mutex_);
    long n = 0;
    for (const auto& [what, by_status] : counts_) {
      auto it = by_status.find(status);
      if (it != by_status.end()) n += it->second;
    }
    return n;
  }
  long count(const std::string& what, int status) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto w = counts_.find(what);
    if (w == counts_.end()) return 0;
    auto it = w->second.find(status);
    return it == w->second.end() ? 0 : it->second;
  }
  std::string summary(steady::time_point since) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text;
    for (const auto& [what, by_status] : counts_) {
      text += what + ":";
      for (const auto& [status, n] : by_status) text += " " + std::to_string(status) + "x" + std::to_string(n);
      text += "; ";
    }
    auto ms = [&](steady::time_point t) {
      return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t - since).count());
    };
    if (first_503_) text += "503s from " + ms(*first_503_) + " ms to " + ms(*last_503_) + " ms after SIGKILL";
    else text += "no 503";
    return text;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<int, long>> counts_;
  std::optional<steady::time_point> first_503_, last_503_;
};

}  // namespace

TEST_CASE("Sentinel: the master SIGKILLed under logins and checks, sessions survive the failover, no 500", "[e2e][sentinel][failover]") {
  sentinel_options redis_options;
  redis_options.data_password = "e2e-data-secret";
  redis_options.sentinel_password = "e2e-sentinel-secret";
  redis_sentinel_fixture redis(redis_options);
  REQUIRE(redis.wait_ready());

  deployment_options options;
  options.replicas = 1;
  options.env = {{"REDIS_URL", redis.data_url()},
                 {"REDIS_SENTINELS", redis.sentinels_text()},
                 {"REDIS_SENTINEL_MASTER", "mymaster"},
                 {"REDIS_SENTINEL_PASSWORD", redis_options.sentinel_password}};
  deployment env(options);
  // The second replica reads the sentinel password from a file, as from a mounted secret.
  std::string password_file = redis.scratch() + "/sentinel-password";
  std::ofstream(password_file) << redis_options.sentinel_password << "\n";
  env.start_replica({{"REDIS_SENTINEL_PASSWORD", ""}, {"REDIS_SENTINEL_PASSWORD_FILE", password_file}});
  for (std::size_t r = 0; r < 2; ++r) {
    auto ready = env.new_browser().get(env.replica(r) + "/readyz");
    REQUIRE(ready.status == 200);
  }

  // What an operator sees: the mode and the master the sentinels named, no password.
  {
    auto check_env = env.socialgate_env();
    child_process check({SG_SOCIALGATE_BIN, "check-config"}, check_env, env.scratch() + "/check-config.log");
    REQUIRE(check.wait_exit() == std::optional<int>(0));
    auto out = check.log();
    INFO(out);
    CHECK(out.find("redis mode: sentinel") != std::string::npos);
    CHECK(out.find("redis found: master 127.0.0.1:" + std::to_string(redis.master_port()) +
                   " (mymaster, from sentinel 127.0.0.1:" + std::to_string(redis.sentinel_ports()[0]) + ") (answers)") !=
          std::string::npos);
    CHECK(out.find(redis_options.sentinel_password) == std::string::npos);
    CHECK(out.find(redis_options.data_password) == std::string::npos);
  }

  // Sessions created before the failover.
  const int sessions = 12;
  std::vector<browser> before;
  for (int i = 0; i < sessions; ++i) {
    before.push_back(env.new_browser());
    REQUIRE(env.login(before.back(), "octocat", i % 2, (i + 1) % 2).callback.status == 302);
  }

  status_log log;
  // Pacing after a refusal, as a client backing off: not a synchronisation.
  auto pause = [] { std::this_thread::sleep_for(5ms); };
  std::atomic<bool> stop{false};
  std::vector<std::thread> users;
  // Logins, start on one replica and finish on the other.
  for (int u = 0; u < 2; ++u)
    users.emplace_back([&, u] {
      for (int i = 0; !stop; ++i) {
        auto b = env.new_browser();
        std::size_t start_on = static_cast<std::size_t>((u + i) % 2);
        auto start = b.get(env.replica(start_on) + "/api/auth/github/login/?next=%2F");
        log.record("login start", start.status);
        if (start.status != 302) {
          pause();
          continue;
        }
        auto idp = b.get(start.header("Location") + "&dev_login=octocat");
        if (idp.status != 302) continue;
        auto callback = b.get(idp.header("Location"), env.replica(1 - start_on));
        log.record("login callback", callback.status);
      }
    });
  // Session checks with sessions of their own.
  for (int u = 0; u < 2; ++u)
    users.emplace_back([&, u] {
      auto b = env.new_browser();
      try {
        env.login(b, "octocat", static_cast<std::size_t>(u));
      } catch (const std::exception&) {
        return;
      }
      for (int i = 0; !stop; ++i) {
        int status = b.get(env.replica(static_cast<std::size_t>(i % 2)) + "/api/auth/verify").status;
        log.record("verify", status);
        if (status != 200) pause();
      }
    });
  users.emplace_back([&] {
    auto b = env.new_browser();
    for (int i = 0; !stop; ++i) {
      log.record("readyz", b.get(env.replica(static_cast<std::size_t>(i % 2)) + "/readyz").status);
      std::this_thread::sleep_for(20ms);  // a probe's period, not a synchronisation
    }
  });
  auto stop_users = [&] {
    stop = true;
    for (auto& t : users) t.join();
    users.clear();
  };
  // A failed REQUIRE below leaves through an exception: the users stop and are joined first.
  struct joiner {
    std::function<void()> stop;
    ~joiner() { stop(); }
  } join_users{stop_users};

  REQUIRE(wait_until([&] { return log.count("verify", 200) > 10 && log.count("login callback", 302) > 2; }, 20s));

  // What was written so far is on the replica, then the master dies.
  REQUIRE(redis.wait_replica_caught_up(redis.master_port(), redis.replica_port()));
  redis.kill_data_node(redis.master_port());
  auto killed_at = steady::now();

  bool failed_over = redis.wait_sentinels_name(redis.replica_port(), 40s);
  auto callbacks_at_failover = log.count("login callback", 302);
  // Logins go on after the failover, and both replicas are ready again.
  bool recovered = failed_over && wait_until([&] {
    return log.count("login callback", 302) > callbacks_at_failover + 4 &&
           env.new_browser().get(env.replica(0) + "/readyz").status == 200 &&
           env.new_browser().get(env.replica(1) + "/readyz").status == 200;
  }, 30s);
  stop_users();
  std::cout << "[sentinel e2e] " << log.summary(killed_at) << "\n";
  REQUIRE(failed_over);
  REQUIRE(recovered);

  CHECK(log.count(500) == 0);
  CHECK(log.count("readyz", 500) == 0);
  CHECK(env.replica_process(0).running());
  CHECK(env.replica_process(1).running());

  // Every session created before the failover is still valid, on both replicas.
  for (auto& b : before)
    for (std::size_t r = 0; r < 2; ++r) CHECK(b.get(env.replica(r) + "/api/auth/verify").status == 200);
  // New logins work on both.
  for (std::size_t r = 0; r < 2; ++r) {
    auto fresh = env.new_browser();
    CHECK(env.login(fresh, "octocat", r, 1 - r).callback.status == 302);
    CHECK(fresh.get(env.replica(r) + "/api/users/self").status == 200);
  }
  // No password in the replicas' logs, through all of it.
  for (std::size_t r = 0; r < 2; ++r) {
    auto log_text = env.replica_process(r).log();
    CHECK(log_text.find(redis_options.sentinel_password) == std::string::npos);
    CHECK(log_text.find(redis_options.data_password) == std::string::npos);
  }
  auto ready = nlohmann::json::parse(env.new_browser().get(env.replica(0) + "/readyz").body);
  INFO(ready.dump());
  CHECK(ready["components"]["redis"]["ready"] == true);
}
