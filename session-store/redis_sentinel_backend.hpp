#pragma once
// Sentinel mode (issue 14): the master of REDIS_SENTINEL_MASTER, found by asking the sentinels
// (`SENTINEL get-master-addr-by-name`, one after another until one answers), followed through
// `+switch-master` (a subscription on one sentinel), and found again when the master's
// connection is lost or it answers READONLY (it was demoted). A batch that failed that way is
// sent once more, to the master found again. While no master is known, batches fail at once
// with redis_unavailable (503) and located() is false (/readyz 503).
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

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
