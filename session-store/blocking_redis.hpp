#pragma once
// A redis_executor that blocks, for the command-line tools and start-up checks: the backend of
// the configured mode on sockets of its own (redis_socket_transport), turned by poll() inside
// each call until the batch is answered. One thread at a time.
#include <chrono>
#include <functional>
#include <memory>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_settings.hpp"
#include "session-store/redis_socket_transport.hpp"

namespace sg {

class blocking_redis : public redis_executor {
 public:
  // Throws config_error when a TLS file cannot be used.
  explicit blocking_redis(const redis_settings& settings);
  ~blocking_redis() override;
  // The backend holds on to the transport member: neither copied nor moved (functions return it
  // as a prvalue).
  blocking_redis(const blocking_redis&) = delete;
  blocking_redis& operator=(const blocking_redis&) = delete;

  // Completes before returning (so sync_wait works). A batch still unanswered after the
  // settings' reply timeout plus discovery time fails with redis_unavailable.
  void submit(std::vector<redis_command_args> commands, completion done) override;
  // One command; throws redis_unavailable or redis_command_error.
  redis_value command(const redis_command_args& args);

  // Turns the loop until the backend knows where to send commands (a master, a slot map);
  // false after `deadline`. Sentinel and Cluster discover on the first tick.
  bool locate(std::chrono::milliseconds deadline);
  // Turns the loop until `condition` holds or `deadline` passes; returns the condition.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline);

  redis_backend& backend() { return *backend_; }

 private:
  std::chrono::milliseconds deadline_;
  redis_socket_transport transport_;
  std::unique_ptr<redis_backend> backend_;
};

}  // namespace sg
