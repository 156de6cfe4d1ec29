#include "session-store/redis_loop_client.hpp"

#include <hiredis/hiredis.h>

#include <deque>
#include <new>
#include <optional>
#include <string>

#include "core/log.hpp"
#include "session-store/redis_reader.hpp"
#include "session-store/redis_reply.hpp"

namespace sg {
namespace {

using steady = std::chrono::steady_clock;

std::exception_ptr unavailable(std::string message) {
  return std::make_exception_ptr(redis_unavailable(std::move(message)));
}

}  // namespace

struct redis_loop_client::impl {
  // One submit: its replies come back in order on one connection.
  struct batch {
    std::size_t expected = 0;
    std::size_t received = 0;  // after a failure the rest are still read, to stay in step
    std::vector<redis_value> replies;
    raw_completion done;  // `completion` has the same shape
    // A store's batch (submit): the first error reply fails it. A router's (submit_raw): the
    // replies go back as they are.
    bool settle = false;
  };

  struct connection {
    bool open = false;
    // Tells this connection from a later one on the same index: a completion may close and
    // reopen it while a loop over its replies is still on the stack.
    std::uint64_t generation = 0;
    redis_reader_ptr reader;
    std::size_t setup_replies = 0;  // AUTH / SELECT answers still to come, consumed here
    std::size_t outstanding = 0;    // every reply still expected, setup ones included
    // When the wait for the oldest outstanding reply began: its send, or the previous reply.
    steady::time_point waiting_since;
    std::deque<batch> batches;
  };

  impl(redis_endpoint e, std::size_t n, redis_transport& t, std::chrono::milliseconds timeout)
      : endpoint(std::move(e)), transport(t), reply_timeout(timeout), slots(n == 0 ? 1 : n) {
    prepare_setup();
  }

  // AUTH and SELECT, sent ahead of a new connection's first batch.
  void prepare_setup() {
    setup_bytes.clear();
    setup_count = 0;
    if (!endpoint.password.empty()) {
      if (endpoint.username.empty()) append_redis_command(setup_bytes, {"AUTH", endpoint.password});
      else append_redis_command(setup_bytes, {"AUTH", endpoint.username, endpoint.password});
      ++setup_count;
    }
    if (endpoint.database != 0) {
      append_redis_command(setup_bytes, {"SELECT", std::to_string(endpoint.database)});
      ++setup_count;
    }
  }

  redis_endpoint endpoint;
  redis_transport& transport;
  std::chrono::milliseconds reply_timeout;
  // Fixed size: an index is the transport's name for a connection, and references into the
  // vector stay valid (their contents may change under a completion; see `generation`).
  std::vector<connection> slots;
  std::string setup_bytes;
  std::size_t setup_count = 0;
  std::uint64_t next_generation = 0;
  std::uint64_t errors = 0;
  bool stopping = false;

  // Hands a finished batch its replies: a store's batch fails on its first error reply, as in
  // redis_pool.
  void complete(batch& b) {
    if (!b.settle) return b.done(std::move(b.replies), nullptr);
    auto failure = failure_of(b.replies);
    if (!failure) return b.done(std::move(b.replies), nullptr);
    try {
      std::rethrow_exception(failure);
    } catch (const redis_unavailable&) {
      ++errors;  // OOM, READONLY, LOADING...: counted in the metrics
    } catch (...) {
    }
    b.done({}, failure);
  }

  void submit(std::vector<redis_command_args> commands, raw_completion done, bool settle) {
    if (stopping) return done({}, unavailable("the service is stopping"));
    if (commands.empty()) return done({}, nullptr);
    std::string bytes;
    for (const auto& args : commands) {
      // "*0\r\n" gets no reply from Redis: every later reply would go to the wrong batch.
      if (args.empty()) return done({}, std::make_exception_ptr(redis_command_error("an empty Redis command")));
      append_redis_command(bytes, args);
    }

    std::optional<std::size_t> least_busy;
    std::optional<std::size_t> unused;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (slots[i].open) {
        if (!least_busy || slots[i].outstanding < slots[*least_busy].outstanding) least_busy = i;
      } else if (!unused) {
        unused = i;
      }
    }
    std::size_t index;
    bool fresh = false;
    if (unused && (!least_busy || slots[*least_busy].outstanding > 0)) {
      if (open_connection(*unused)) {
        index = *unused;
        fresh = true;
      } else if (least_busy) {
        index = *least_busy;  // a busy connection still beats failing the batch
      } else {
        return done({}, unavailable("cannot connect to Redis at " + endpoint.host + ":" +
                                    std::to_string(endpoint.port)));
      }
    } else {
      index = *least_busy;
    }

    connection& c = slots[index];
    if (c.outstanding == 0) c.waiting_since = steady::now();
    if (fresh && setup_count > 0) {
      bytes.insert(0, setup_bytes);  // pipelined ahead of the first batch, no round trip
      c.setup_replies = setup_count;
      c.outstanding += setup_count;
    }
    c.outstanding += commands.size();
    batch b;
    b.expected = commands.size();
    b.done = std::move(done);
    b.settle = settle;
    c.batches.push_back(std::move(b));
    // Queued before sending: a transport that reports a failure at once fails this batch too.
    transport.send(index, bytes);
  }

  bool open_connection(std::size_t index) {
    connection& c = slots[index];
    c.open = true;
    c.generation = ++next_generation;
    c.reader = make_redis_reader();
    c.setup_replies = 0;
    c.outstanding = 0;
    c.batches.clear();
    if (!c.reader) throw std::bad_alloc();
    std::uint64_t generation = c.generation;
    if (transport.open(index, endpoint) && slots[index].open && slots[index].generation == generation) return true;
    if (slots[index].generation == generation) forget(index);
    ++errors;
    log_event(log_level::warning, "redis_connect_failed",
              {{"host", endpoint.host}, {"port", endpoint.port}, {"connection", index}});
    return false;
  }

  void forget(std::size_t index) {
    connection& c = slots[index];
    c.open = false;
    c.reader.reset();
    c.setup_replies = 0;
    c.outstanding = 0;
    c.batches.clear();
  }

  // Forgets the connection first and runs the completions last: one of them may submit again
  // (and reopen this very index) or stop the client.
  void fail_connection(std::size_t index, const std::string& why, bool close_transport) {
    std::deque<batch> waiting = std::move(slots[index].batches);
    forget(index);
    ++errors;
    if (close_transport) transport.close(index);
    auto failure = unavailable(why);
    for (auto& b : waiting) b.done({}, failure);
  }

  void on_data(std::size_t index, std::string_view bytes) {
    if (index >= slots.size() || !slots[index].open) return;
    std::uint64_t generation = slots[index].generation;
    if (redisReaderFeed(slots[index].reader.get(), bytes.data(), bytes.size()) != REDIS_OK)
      return protocol_failure(index);
    for (;;) {
      // Looked up again on every turn: the previous completion may have closed the connection.
      connection& c = slots[index];
      if (!c.open || c.generation != generation) return;
      void* raw = nullptr;
      if (redisReaderGetReply(c.reader.get(), &raw) != REDIS_OK) return protocol_failure(index);
      if (raw == nullptr) return;  // the rest of the reply is still on its way
      reply_ptr reply(static_cast<redisReply*>(raw));
      if (c.outstanding == 0) return protocol_failure(index);  // a reply nobody asked for
      --c.outstanding;
      c.waiting_since = steady::now();

      if (c.setup_replies > 0) {
        --c.setup_replies;
        if (reply->type == REDIS_REPLY_ERROR) {
          // Redis's message names the reason (WRONGPASS, NOAUTH, ERR DB index...), never the password.
          std::string message(reply->str, reply->len);
          log_event(log_level::error, "redis_setup_refused", {{"connection", index}, {"reason", message}});
          fail_connection(index, "Redis refused the connection setup: " + message, true);
          return;
        }
        continue;
      }

      batch& b = c.batches.front();
      ++b.received;
      b.replies.push_back(to_raw_redis_value(*reply));
      if (b.received < b.expected) continue;
      batch finished = std::move(b);
      c.batches.pop_front();
      complete(finished);
    }
  }

  void set_endpoint(redis_endpoint next) {
    bool same_place = next.host == endpoint.host && next.port == endpoint.port;
    endpoint = std::move(next);
    prepare_setup();
    if (same_place) return;
    // Every old connection is closed before any completion runs: a completion that submits
    // again must get a connection to the new address, not one this loop then closes.
    std::deque<batch> waiting;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (!slots[i].open) continue;
      for (auto& b : slots[i].batches) waiting.push_back(std::move(b));
      forget(i);
      ++errors;
      transport.close(i);
    }
    auto failure = unavailable("the Redis master moved");
    for (auto& b : waiting) b.done({}, failure);
  }

  void protocol_failure(std::size_t index) {
    log_event(log_level::error, "redis_protocol_error", {{"connection", index}});
    fail_connection(index, "Redis sent a reply that cannot be read", true);
  }

  void on_closed(std::size_t index) {
    if (index >= slots.size() || !slots[index].open) return;  // already forgotten by us
    log_event(log_level::warning, "redis_connection_lost",
              {{"connection", index}, {"waiting_batches", slots[index].batches.size()}});
    fail_connection(index, "Redis connection lost", false);
  }

  void on_tick(steady::time_point now) {
    for (std::size_t i = 0; i < slots.size(); ++i) {
      const connection& c = slots[i];
      if (!c.open || c.outstanding == 0 || now - c.waiting_since < reply_timeout) continue;
      log_event(log_level::warning, "redis_reply_timeout",
                {{"connection", i}, {"timeout_ms", reply_timeout.count()}, {"waiting_batches", c.batches.size()}});
      fail_connection(i, "Redis did not answer in time", true);
    }
  }

  void shutdown() {
    stopping = true;
    std::deque<batch> waiting;
    for (std::size_t i = 0; i < slots.size(); ++i) {
      if (!slots[i].open) continue;
      for (auto& b : slots[i].batches) waiting.push_back(std::move(b));
      forget(i);
      transport.close(i);
    }
    auto failure = unavailable("the service is stopping");
    for (auto& b : waiting) b.done({}, failure);
  }
};

redis_loop_client::redis_loop_client(redis_endpoint endpoint, std::size_t connections, redis_transport& transport,
                                     std::chrono::milliseconds reply_timeout)
    : impl_(std::make_unique<impl>(std::move(endpoint), connections, transport, reply_timeout)) {}

// Nothing may stay suspended on a client that is gone: the waiters fail as on a stop.
redis_loop_client::~redis_loop_client() { impl_->shutdown(); }

void redis_loop_client::submit(std::vector<redis_command_args> commands, completion done) {
  impl_->submit(std::move(commands), std::move(done), true);
}

void redis_loop_client::submit_raw(std::vector<redis_command_args> commands, raw_completion done) {
  impl_->submit(std::move(commands), std::move(done), false);
}

void redis_loop_client::set_endpoint(redis_endpoint endpoint) { impl_->set_endpoint(std::move(endpoint)); }
const redis_endpoint& redis_loop_client::endpoint() const { return impl_->endpoint; }

void redis_loop_client::on_data(std::size_t index, std::string_view bytes) { impl_->on_data(index, bytes); }
void redis_loop_client::on_closed(std::size_t index) { impl_->on_closed(index); }
void redis_loop_client::on_tick(std::chrono::steady_clock::time_point now) { impl_->on_tick(now); }
void redis_loop_client::shutdown() { impl_->shutdown(); }

std::uint64_t redis_loop_client::errors() const { return impl_->errors; }
std::size_t redis_loop_client::connections() const { return impl_->slots.size(); }

std::size_t redis_loop_client::in_use() const {
  std::size_t busy = 0;
  for (const auto& c : impl_->slots) busy += c.open && c.outstanding > 0 ? 1 : 0;
  return busy;
}

std::size_t redis_loop_client::pending() const {
  std::size_t waiting = 0;
  for (const auto& c : impl_->slots) waiting += c.batches.size();
  return waiting;
}

}  // namespace sg
