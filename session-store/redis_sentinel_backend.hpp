#pragma once
// Sentinel mode (issue 14): the master of REDIS_SENTINEL_MASTER, found by asking the sentinels
// (`SENTINEL get-master-addr-by-name`, one after another until one answers), followed through
// `+switch-master` (a subscription on one sentinel), and found again when the master's
// connection is lost or it answers READONLY (it was demoted). A batch that failed that way is
// sent once more, to the master found again. While no master is known, batches wait for one
// (at most the reply timeout, then fail with redis_unavailable: 503) and located() is false
// (/readyz 503). A master is known once the sentinels named it and it answered ROLE as a master
// (a master that cannot be reached, or was demoted while the sentinels still name it, is not).
#include <memory>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_settings.hpp"

namespace sg {

class redis_sentinel_backend : public redis_backend {
 public:
  // `transport` carries every connection (sentinels, subscription, master); nothing is sent
  // before the first submit or on_tick.
  redis_sentinel_backend(const redis_settings& settings, redis_transport& transport);
  ~redis_sentinel_backend() override;

  void submit(std::vector<redis_command_args> commands, completion done) override;
  void on_data(std::size_t index, std::string_view bytes) override;
  void on_closed(std::size_t index) override;
  void on_tick(std::chrono::steady_clock::time_point now) override;
  void shutdown() override;
  std::uint64_t errors() const override;
  std::size_t in_use() const override;
  std::string mode() const override { return "sentinel"; }
  bool located() const override;
  std::string status() const override;

  // For tests and metrics.
  struct counters {
    std::uint64_t lookups = 0;    // SENTINEL get-master-addr-by-name rounds started
    std::uint64_t switches = 0;   // +switch-master messages followed
    std::uint64_t retries = 0;    // batches sent a second time (connection lost, READONLY)
    std::uint64_t changes = 0;    // times the known master changed address
    std::uint64_t subscriptions = 0;  // +switch-master subscriptions made (a sentinel lost: one more)
  };
  counters stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
