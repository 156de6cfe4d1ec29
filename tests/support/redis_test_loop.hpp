#pragma once
// The Redis client tests' loop: the test plays the event loop over real sockets
// (redis_socket_transport + poll()), and coroutines started on it are watched through an
// `outcome`. Shared by the loop client's, TLS, Sentinel and Cluster tests.
#include <catch2/catch.hpp>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"
#include "session-store/redis_executor.hpp"
#include "session-store/redis_socket_transport.hpp"

namespace sg::test {

// Turns the loop until `condition` holds: ticks `ticked` (a client or a backend: its timers),
// looks, then waits up to 10 ms for socket events. False when the deadline (a hang) came first.
template <class Ticked>
bool turn_until(redis_socket_transport& transport, Ticked& ticked, const std::function<bool()>& condition,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    ticked.on_tick(std::chrono::steady_clock::now());
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    transport.poll_once(std::chrono::milliseconds(10));
  }
}

template <class T>
struct outcome {
  bool finished = false;
  std::optional<T> value;
  std::exception_ptr failure;
};

template <class T>
task<void> store_into(task<T> work, outcome<T>& out) {
  try {
    out.value.emplace(co_await std::move(work));
  } catch (...) {
    out.failure = std::current_exception();
  }
  out.finished = true;
}

template <class T>
void start(task<T> work, outcome<T>& out) {
  start_detached(store_into(std::move(work), out), [](std::exception_ptr) {});
}

inline task<redis_value> exec(redis_executor& redis, redis_command_args args) {
  co_return co_await redis.exec(std::move(args));
}

inline task<std::vector<redis_value>> pipeline(redis_executor& redis, std::vector<redis_command_args> commands) {
  co_return co_await redis.exec_pipeline(std::move(commands));
}

inline redis_value value_of(const outcome<redis_value>& out) {
  REQUIRE(out.finished);
  if (out.failure) std::rethrow_exception(out.failure);
  return *out.value;
}

// The message of `failure`, which must be a `Failure` (none, or anything else, fails the test).
template <class Failure>
std::string message_of(std::exception_ptr failure) {
  REQUIRE(failure);
  try {
    std::rethrow_exception(failure);
  } catch (const Failure& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("unexpected failure type: " << e.what());
  }
  return {};
}

// The message of the outcome's failure, which must be a `Failure`.
template <class Failure, class T>
std::string failure_message(const outcome<T>& out) {
  REQUIRE(out.finished);
  return message_of<Failure>(out.failure);
}

}  // namespace sg::test
