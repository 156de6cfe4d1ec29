#pragma once
// Redis on a gateway loop: a few non-blocking connections owned by the loop (no Redis
// threads), commands pipelined on them, replies matched in order. hiredis supplies only the
// protocol pieces (redisFormatCommandArgv for requests, redisReader for replies); the bytes
// move through a `redis_transport` the loop provides (a CAF broker's scribes).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_executor.hpp"
#include "session-store/redis_url.hpp"

namespace sg {

class redis_transport {
 public:
  virtual ~redis_transport() = default;
  // Starts connecting connection `index` without blocking; false when even that failed (the
  // client fails what waits on it). Bytes sent before the connection is up are queued.
  virtual bool open(std::size_t index, const redis_endpoint& endpoint) = 0;
  virtual void send(std::size_t index, std::string_view bytes) = 0;
  virtual void close(std::size_t index) = 0;
};

// One Redis server (a standalone one, a Sentinel's master, one Cluster node, or a sentinel):
// the building block of every redis_backend.
class redis_loop_client : public redis_executor, public redis_link_events {
 public:
  // Replies as Redis sent them: error replies are redis_value::kind::error values, so a router
  // can read MOVED, ASK or READONLY per command. `failure` only when the connection failed
  // (lost, timed out, setup refused, stopping): redis_unavailable.
  using raw_completion = std::function<void(std::vector<redis_value> replies, std::exception_ptr failure)>;

  redis_loop_client(redis_endpoint endpoint, std::size_t connections, redis_transport& transport,
                    std::chrono::milliseconds reply_timeout = std::chrono::milliseconds(1000));
  ~redis_loop_client() override;

  // Opens a connection when none is up (AUTH and SELECT go first, on the same pipeline), then
  // sends the batch on the connection with the fewest replies outstanding.
  void submit(std::vector<redis_command_args> commands, completion done) override;
  // The same, without turning error replies into failures. The batch's bytes go out in one
  // piece on one connection, so ASKING followed by a command stays together.
  void submit_raw(std::vector<redis_command_args> commands, raw_completion done);

  // Where new connections go from now on (Sentinel: the master moved). Open connections to the
  // old address are closed; what waits on them fails with redis_unavailable.
  void set_endpoint(redis_endpoint endpoint);
  const redis_endpoint& endpoint() const;

  // Loop events, from the transport's owner:
  void on_data(std::size_t index, std::string_view bytes) override;
  void on_closed(std::size_t index) override;  // everything waiting on it fails with redis_unavailable
  // A connection whose oldest reply is overdue is closed (its waiters fail): Redis hung.
  void on_tick(std::chrono::steady_clock::time_point now);
  // Fails everything waiting and closes every connection (service stop).
  void shutdown();

  std::uint64_t errors() const;      // lost connections, timeouts, "unavailable" replies
  std::size_t connections() const;   // configured
  std::size_t in_use() const;        // connections with replies outstanding
  std::size_t pending() const;       // batches waiting for replies

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
