#pragma once
// Real non-blocking sockets turned by poll(), for code without an event loop of its own: the
// command-line tools (check-config, migrate-keys, the start-up checks) and the tests. The
// service's loops use their broker's scribes instead (gateway/loop/http_loop.cpp).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"

namespace sg {

class redis_socket_transport : public redis_transport {
 public:
  void attach(redis_link_events& events) { events_ = &events; }

  // Names are resolved here (getaddrinfo: may block briefly); IPv4 and IPv6.
  bool open(std::size_t index, const redis_endpoint& endpoint) override;
  void send(std::size_t index, std::string_view bytes) override;
  void close(std::size_t index) override;

  // One turn: waits up to `wait` for socket events and hands them to the attached events.
  void poll_once(std::chrono::milliseconds wait);

  std::size_t opened() const { return opened_; }     // connections ever opened
  std::size_t open_now() const { return connections_.size(); }

  ~redis_socket_transport() override;

 private:
  struct connection {
    int fd = -1;
    std::uint64_t generation = 0;
    std::string out;
  };
  bool flush(std::size_t index);
  void receive(std::size_t index, std::uint64_t generation);
  void lost(std::size_t index);

  redis_link_events* events_ = nullptr;
  std::map<std::size_t, connection> connections_;
  std::uint64_t generation_ = 0;
  std::size_t opened_ = 0;
};

}  // namespace sg
