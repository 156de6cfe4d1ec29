#pragma once
// A Sentinel deployment of real processes on random loopback ports (issue 14): a master
// redis-server, one replica of it, and three redis-sentinel monitoring it (quorum 2, down after
// one second), optionally with passwords on the data nodes (requirepass + masterauth, given to
// socialgate through REDIS_URL) and on the sentinels (requirepass + sentinel-pass).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "session-store/redis_pool.hpp"
#include "support/process.hpp"

namespace sg::test {

struct sentinel_options {
  std::string master_name = "mymaster";
  std::string data_password;      // empty: data nodes without AUTH
  std::string sentinel_password;  // empty: sentinels without AUTH
};

class redis_sentinel_fixture {
 public:
  explicit redis_sentinel_fixture(sentinel_options options = {});
  ~redis_sentinel_fixture();
  redis_sentinel_fixture(const redis_sentinel_fixture&) = delete;
  redis_sentinel_fixture& operator=(const redis_sentinel_fixture&) = delete;

  const sentinel_options& options() const { return options_; }
  int master_port() const { return data_ports_[0]; }   // the first master
  int replica_port() const { return data_ports_[1]; }  // its replica, promoted by a failover
  const std::vector<int>& sentinel_ports() const { return sentinel_ports_; }
  // REDIS_SENTINELS: "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3".
  std::string sentinels_text() const;
  // REDIS_URL for the data nodes: credentials and database, the host part unused in this mode.
  std::string data_url(int database = 0) const;

  // The tests' own blocking clients (with the passwords).
  redis_pool& data_node(int port);
  redis_value sentinel_command(std::size_t sentinel, const redis_command_args& args);

  // Every sentinel sees the replica as healthy and the other two sentinels (a failover can be
  // authorised): the state after which a killed master is replaced.
  bool wait_ready(std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // The replica's replication offset reached the master's: what was written is on both.
  bool wait_replica_caught_up(int master, int replica, std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // The master's port as sentinel `i` names it; nullopt when it cannot be asked.
  std::optional<int> named_master(std::size_t sentinel);
  // Every sentinel still running names `port`.
  bool wait_sentinels_name(int port, std::chrono::milliseconds deadline = std::chrono::seconds(30));
  // The node's role from ROLE ("master", "slave"), empty when it cannot be asked.
  std::string role(int port);

  void kill_data_node(int port);  // SIGKILL
  void kill_sentinel(std::size_t sentinel);
  void stop_sentinel(std::size_t sentinel);    // SIGSTOP: alive but silent
  void resume_sentinel(std::size_t sentinel);  // SIGCONT
  // Makes every sentinel forget the master and monitor `port` under the same name instead
  // (no failover, no +switch-master: the sentinels simply name another node from now on).
  // `meanwhile` runs while no sentinel monitors anything (to change roles by hand undisturbed).
  void remonitor(int port, const std::function<void()>& meanwhile = {});

  std::string scratch() const { return scratch_.path(); }

 private:
  int start_data_node(std::optional<int> master_of);
  int start_sentinel(std::size_t index);
  std::string sentinel_monitor_lines(int master) const;

  sentinel_options options_;
  scratch_dir scratch_;
  std::vector<int> data_ports_;
  std::map<int, std::unique_ptr<child_process>> data_nodes_;
  std::map<int, std::unique_ptr<redis_pool>> data_clients_;
  std::vector<int> sentinel_ports_;
  std::vector<std::unique_ptr<child_process>> sentinels_;
  std::vector<std::unique_ptr<redis_pool>> sentinel_clients_;
};

}  // namespace sg::test
