#pragma once
// The gateway actor: one CAF broker that owns an event loop (the middleman's epoll
// multiplexer) with every client connection of its listening socket and its own Redis
// connections, all non-blocking. Requests are read with the limits enforced while reading,
// answered in order per connection (pipelining), and handed to routes that are coroutines:
// a route waiting on Redis or on a provider pool suspends, and the loop serves others.
//
// Several loops (SOCIALGATE_EVENT_LOOPS) each run in their own actor system and share the
// port through SO_REUSEPORT; the kernel spreads connections over them.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gateway/http/request_reader.hpp"
#include "gateway/http/router.hpp"
#include "gateway/loop/connection_budget.hpp"
#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"

namespace caf {
class actor;
class actor_system;
namespace io {
class broker;
}
}  // namespace caf

namespace sg {

// What one loop serves requests with: its routes (a gateway over stores bound to the loop's
// Redis client and a pool client answering on the loop). Built on the loop's own thread, once
// the broker exists, because the pool client sends from the broker.
class loop_services {
 public:
  virtual ~loop_services() = default;
  virtual router& routes() = 0;
  // The loop's Redis in the configured mode; the broker reports its connections' events to it.
  virtual redis_backend& redis() = 0;
  // Four times a second on the loop (after the deadlines are checked): publish figures, for example.
  virtual void on_tick() {}
};
using loop_services_factory =
    std::function<std::unique_ptr<loop_services>(caf::io::broker* self, redis_transport& transport)>;

struct http_loop_settings {
  int listen_fd = -1;  // bound and listening; the loop owns it from now on
  request_limits limits;
  std::chrono::seconds request_deadline{10};
  std::chrono::seconds keepalive_idle{60};
  connection_budget* budget = nullptr;  // shared by all loops of the replica
};

// Spawns the loop's broker on `system`'s middleman.
caf::actor spawn_http_loop(caf::actor_system& system, http_loop_settings settings, loop_services_factory make_services);

// Asks a loop to stop: it stops accepting, closes idle connections, lets in-flight requests
// finish (each answered with `Connection: close`), closes the rest and its Redis connections,
// then quits. Blocks until it has, or until `bound` has passed.
void stop_http_loop(caf::actor_system& system, const caf::actor& loop, std::chrono::seconds bound);

// A listening TCP socket for `host:port` (port 0: any free port) with SO_REUSEPORT, so the
// other loops can bind the same port. Throws std::runtime_error naming the address.
int open_listening_socket(const std::string& host, int port, int& bound_port);

}  // namespace sg
