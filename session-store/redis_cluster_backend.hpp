#pragma once
// Cluster mode (issue 14): the slot map from `CLUSTER SLOTS` (asked of REDIS_CLUSTER_NODES, then
// of any known master), each command sent to the master of its key's slot (CRC16 with hash
// tags, redis_cluster_slots.hpp), a batch split by node and its replies put back in order.
// MOVED: the command goes again to the node named, and the map is refreshed. ASK: ASKING and
// the command go to the node named, the map kept. TRYAGAIN (a multi-key command while its
// slot's keys are split by a migration): sent again on a later tick, a few times at most. A lost
// node connection refreshes the map.
// Commands without a key (PING, INFO, SCRIPT) go to any master.
#include <memory>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_settings.hpp"

namespace sg {

class redis_cluster_backend : public redis_backend {
 public:
  redis_cluster_backend(const redis_settings& settings, redis_transport& transport);
  ~redis_cluster_backend() override;

  void submit(std::vector<redis_command_args> commands, completion done) override;
  void on_data(std::size_t index, std::string_view bytes) override;
  void on_closed(std::size_t index) override;
  void on_tick(std::chrono::steady_clock::time_point now) override;
  void shutdown() override;
  std::uint64_t errors() const override;
  std::size_t in_use() const override;
  std::string mode() const override { return "cluster"; }
  bool located() const override;
  std::string status() const override;

  // For tests and /metrics: redirections followed so far.
  std::uint64_t moved_redirections() const;
  std::uint64_t ask_redirections() const;
  // Commands sent again after TRYAGAIN (keys of one slot split by a migration in progress).
  std::uint64_t tryagain_retries() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
