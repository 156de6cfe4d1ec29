#pragma once
// Slowloris: connections that send a request one byte per tick and never finish it, each from
// a loopback source address of its own choosing. A connection the server drops is opened again
// on the next tick, so the pressure lasts as long as the object lives.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sg::test {

class slow_clients {
 public:
  // `sources[i]` is the address connection i connects from.
  slow_clients(int port, std::vector<std::string> sources, std::chrono::milliseconds pace = std::chrono::seconds(1));
  ~slow_clients();
  slow_clients(const slow_clients&) = delete;
  slow_clients& operator=(const slow_clients&) = delete;

  std::size_t open_now() const { return open_now_; }
  std::size_t dropped() const { return dropped_; }    // closes by the server so far
  std::size_t ticks() const { return ticks_; }        // bytes sent per connection so far, at most

 private:
  void run();
  int port_;
  std::vector<std::string> sources_;
  std::chrono::milliseconds pace_;
  std::atomic<std::size_t> open_now_{0}, dropped_{0}, ticks_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};  // also read mid-tick, so a stop never waits out a whole round
  std::thread thread_;
};

}  // namespace sg::test
