#include "support/slow_clients.hpp"

#include <stdexcept>

#include "support/socket_client.hpp"

namespace sg::test {
namespace {

// A request that never ends: a header value that keeps growing by one byte.
char request_byte(std::size_t index) {
  static const std::string start = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  return index < start.size() ? start[index] : 'a';
}

struct slow_connection {
  client_socket socket;
  std::size_t sent = 0;
};

}  // namespace

slow_clients::slow_clients(int port, std::vector<std::string> sources, std::chrono::milliseconds pace)
    : port_(port), sources_(std::move(sources)), pace_(pace), thread_([this] { run(); }) {}

slow_clients::~slow_clients() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void slow_clients::run() {
  std::vector<slow_connection> connections(sources_.size());
  std::unique_lock lock(mutex_);
  while (!stop_) {
    lock.unlock();
    std::size_t open = 0;
    for (std::size_t i = 0; i < connections.size() && !stop_; ++i) {
      auto& c = connections[i];
      if (c.socket.is_open() && !c.socket.read_available()) {
        ++dropped_;
        c = slow_connection{};
      }
      if (!c.socket.is_open()) {
        try {
          c.socket = client_socket::connect_to(port_, sources_[i], std::chrono::milliseconds(500));
        } catch (const std::exception&) {
          continue;  // the server's backlog is full or it refused: try again next tick
        }
      }
      char byte = request_byte(c.sent);
      if (c.socket.send_all(std::string_view(&byte, 1), std::chrono::milliseconds(100))) {
        ++c.sent;
        ++open;
      } else {
        ++dropped_;
        c = slow_connection{};
      }
    }
    open_now_ = open;
    ++ticks_;
    lock.lock();
    // The pace of the trickle, not a synchronisation: stop_ wakes it at once.
    wake_.wait_for(lock, pace_, [this] { return stop_.load(); });
  }
}

}  // namespace sg::test
