#include "core/task.hpp"

namespace sg {
namespace {
// A coroutine that starts at once and frees itself at its end: the owner of a detached task.
struct detached_runner {
  struct promise_type {
    detached_runner get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // `finished` threw: a bug
  };
};

detached_runner run_detached(task<void> t, std::function<void(std::exception_ptr)> finished) {
  std::exception_ptr failure;
  try {
    co_await std::move(t);
  } catch (...) {
    failure = std::current_exception();
  }
  if (finished) finished(failure);
}
}  // namespace

void start_detached(task<void> t, std::function<void(std::exception_ptr)> finished) {
  run_detached(std::move(t), std::move(finished));
}

}  // namespace sg
