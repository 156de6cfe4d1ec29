#pragma once
// Where the stores send Redis commands, whichever client carries them: the blocking
// `redis_pool` (command-line tools, store tests: every await completes inline, so `sync_wait`
// works) or a gateway loop's non-blocking client (the await suspends until the reply arrives
// as a loop event). Stores are written once, as coroutines, against this interface.
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "core/task.hpp"
#include "session-store/redis_value.hpp"

namespace sg {

// A Lua script sent by EVALSHA; its text goes over the wire only when Redis does not know it.
struct redis_script {
  explicit redis_script(std::string lua);
  std::string text;
  std::string sha1;  // lowercase hex, as SCRIPT LOAD answers
};

class redis_executor {
 public:
  // The replies in order, or the failure: redis_unavailable (including the error replies that
  // mean "try again": OOM, READONLY, LOADING, ...) or redis_command_error (any other error
  // reply in the batch fails the whole batch).
  using completion = std::function<void(std::vector<redis_value> replies, std::exception_ptr failure)>;

  virtual ~redis_executor() = default;
  // Sends the commands as one pipeline on one connection. `done` runs exactly once: possibly
  // before submit returns (blocking executors), otherwise later on the caller's loop thread.
  virtual void submit(std::vector<redis_command_args> commands, completion done) = 0;

  // co_await exec({...}) -> redis_value; co_await exec_pipeline({{...}, {...}}) -> the replies.
  auto exec(redis_command_args args) { return batch_awaiter<true>(*this, {std::move(args)}); }
  auto exec_pipeline(std::vector<redis_command_args> commands) { return batch_awaiter<false>(*this, std::move(commands)); }
  // EVALSHA; a NOSCRIPT reply (Redis restarted, failed over or flushed its scripts) sends the
  // script by EVAL, which also loads it, once.
  task<redis_value> eval(const redis_script& script, std::vector<std::string> keys, std::vector<std::string> args);

 private:
  template <bool Single>
  struct batch_awaiter {
    batch_awaiter(redis_executor& e, std::vector<redis_command_args> c) : executor(e), commands(std::move(c)) {}
    redis_executor& executor;
    std::vector<redis_command_args> commands;
    std::vector<redis_value> replies;
    std::exception_ptr failure;
    bool starting = false;
    bool completed_inline = false;
    bool await_ready() const noexcept { return commands.empty(); }
    bool await_suspend(std::coroutine_handle<> h) {
      starting = true;
      executor.submit(std::move(commands), [this, h](std::vector<redis_value> r, std::exception_ptr f) {
        replies = std::move(r);
        failure = f;
        if (starting) completed_inline = true;
        else h.resume();
      });
      starting = false;
      return !completed_inline;
    }
    auto await_resume() {
      if (failure) std::rethrow_exception(failure);
      if constexpr (Single) return replies.empty() ? redis_value{} : std::move(replies.front());
      else return std::move(replies);
    }
  };
};

}  // namespace sg
