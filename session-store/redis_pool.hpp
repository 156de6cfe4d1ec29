#pragma once
// A fixed-size pool of Redis connections. Each command borrows one connection, so concurrent
// requests never queue behind a single shared socket; broken connections are replaced on the
// next use, so the service reconnects by itself when Redis comes back.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "session-store/redis_executor.hpp"
#include "session-store/redis_url.hpp"

struct redisContext;

namespace sg {

class redis_pool : public redis_executor {
 public:
  redis_pool(redis_endpoint endpoint, std::size_t size,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));
  ~redis_pool() override;
  redis_pool(const redis_pool&) = delete;
  redis_pool& operator=(const redis_pool&) = delete;

  // Blocking: runs the batch now and calls `done` before returning (so sync_wait works).
  void submit(std::vector<redis_command_args> commands, completion done) override;

  redis_value command(const redis_command_args& args);
  // Sends all commands in one round trip on one connection; replies in order.
  std::vector<redis_value> pipeline(const std::vector<redis_command_args>& commands);
  bool ping();

  std::uint64_t errors() const;
  std::size_t size() const { return slots_.size(); }
  std::size_t in_use() const;

 private:
  struct slot;
  slot* acquire();
  void release(slot* s);
  void connect(slot& s);
  std::vector<redis_value> run(const std::vector<redis_command_args>& commands);

  redis_endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::vector<std::unique_ptr<slot>> slots_;
  std::vector<slot*> free_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::uint64_t errors_ = 0;
};

}  // namespace sg
