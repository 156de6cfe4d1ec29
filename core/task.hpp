#pragma once
// A lazy C++20 coroutine, `task<T>`, so that request handlers and stores read as straight-line
// code while every wait (a Redis reply, a provider pool's answer) is a suspension, not a blocked
// thread. A task starts when it is awaited (or handed to `start_detached`), resumes its awaiter
// by symmetric transfer when it finishes, and rethrows the exception it ended with.
//
// Where a task runs is decided by what it awaits: on a gateway loop, Redis replies and pool
// answers arrive as loop events and resume the coroutine there (one thread, no locks); with a
// blocking executor (tests, command-line tools) every await completes inline and `sync_wait`
// returns the result.
#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace sg {

template <class T>
class task;

namespace detail {

struct task_promise_base {
  std::coroutine_handle<> continuation;  // who awaits this task; noop for a detached start
  std::exception_ptr failure;

  std::suspend_always initial_suspend() noexcept { return {}; }
  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
      auto next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { failure = std::current_exception(); }
};

template <class T>
struct task_promise : task_promise_base {
  std::optional<T> value;
  task<T> get_return_object() noexcept;
  template <class U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() {
    if (failure) std::rethrow_exception(failure);
    return std::move(*value);
  }
};

template <>
struct task_promise<void> : task_promise_base {
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (failure) std::rethrow_exception(failure);
  }
};

}  // namespace detail

template <class T = void>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;

  task() = default;
  explicit task(handle_type h) noexcept : handle_(h) {}
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() {
    if (handle_) handle_.destroy();
  }

  bool done() const noexcept { return !handle_ || handle_.done(); }

  // co_await runs the task to its end (suspending the awaiter meanwhile) and yields its value.
  auto operator co_await() && noexcept {
    struct awaiter {
      handle_type h;
      bool await_ready() noexcept { return !h || h.done(); }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        h.promise().continuation = awaiting;
        return h;
      }
      T await_resume() { return h.promise().take(); }
    };
    return awaiter{handle_};
  }

  // For sync_wait and start_detached only.
  handle_type release() noexcept { return std::exchange(handle_, {}); }
  handle_type handle() const noexcept { return handle_; }

 private:
  handle_type handle_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}
}  // namespace detail

// Runs a task whose every await completes inline (a blocking Redis executor, no loop) and
// returns its value. A task that suspends on a real event cannot be waited for here: that is a
// programming error, reported as std::logic_error (the frame is destroyed, nothing resumes it).
template <class T>
T sync_wait(task<T> t) {
  auto h = t.handle();
  h.resume();
  if (!h.done()) throw std::logic_error("sync_wait: the task suspended on an asynchronous event");
  return h.promise().take();
}

// Starts a task that nobody awaits (a request handler on a loop). `finished` runs when it ends,
// with the exception it ended with (or null); the frame is freed after that.
void start_detached(task<void> t, std::function<void(std::exception_ptr)> finished);

// Turns a callback-style asynchronous call into something a task can co_await:
//   T value = co_await await_callback<T>([&](std::function<void(T)> done) { api.call(..., done); });
// `start` may call `done` before it returns (inline completion) or later, from the same thread.
template <class T>
auto await_callback(std::function<void(std::function<void(T)>)> start) {
  struct awaiter {
    explicit awaiter(std::function<void(std::function<void(T)>)> s) : start(std::move(s)) {}
    std::function<void(std::function<void(T)>)> start;
    std::optional<T> result;
    bool starting = false;
    bool completed_inline = false;
    bool await_ready() noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
      starting = true;
      start([this, h](T value) {
        result.emplace(std::move(value));
        if (starting) completed_inline = true;
        else h.resume();
      });
      starting = false;
      return !completed_inline;  // false: resume at once, the value is already here
    }
    T await_resume() { return std::move(*result); }
  };
  return awaiter(std::move(start));
}

}  // namespace sg
