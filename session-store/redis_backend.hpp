#pragma once
// The loop's Redis, whichever deployment it is (issue 14): one standalone server, a master found
// through Sentinel, or a Cluster's masters by slot, each optionally over TLS. The stores see only
// redis_executor; the loop that owns the sockets sees these events. One interface, chosen by
// configuration (make_redis_backend).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "session-store/redis_executor.hpp"

namespace sg {

// What the owner of a transport's sockets reports, per connection index.
class redis_link_events {
 public:
  virtual ~redis_link_events() = default;
  virtual void on_data(std::size_t index, std::string_view bytes) = 0;
  // The connection is gone (peer closed, reset, connect refused); the transport has forgotten it.
  virtual void on_closed(std::size_t index) = 0;
};

class redis_backend : public redis_executor, public redis_link_events {
 public:
  // Timers: overdue replies, rediscovery while no master is known, slot map refreshes.
  virtual void on_tick(std::chrono::steady_clock::time_point now) = 0;
  // Fails everything waiting and closes every connection (service stop). Idempotent.
  virtual void shutdown() = 0;

  virtual std::uint64_t errors() const = 0;   // lost connections, timeouts, "unavailable" replies
  virtual std::size_t in_use() const = 0;     // connections with replies outstanding

  // "standalone", "sentinel" or "cluster".
  virtual std::string mode() const = 0;
  // Whether it knows where to send commands now: standalone always; Sentinel while a master is
  // known; Cluster while it has a slot map. /readyz answers 503 when not.
  virtual bool located() const = 0;
  // What it found, one line, no credentials: "master 10.0.0.5:6379 (mymaster, from sentinel
  // 10.0.0.7:26379)", "3 masters, 16384 of 16384 slots". For check-config and /readyz.
  virtual std::string status() const = 0;
};

}  // namespace sg
