#include "session-store/blocking_redis.hpp"

#include "session-store/redis_backend_factory.hpp"

namespace sg {

using namespace std::chrono_literals;

namespace {
task<redis_value> one_command(redis_executor& redis, redis_command_args args) {
  co_return co_await redis.exec(std::move(args));
}
}  // namespace

blocking_redis::blocking_redis(const redis_settings& settings)
    : deadline_(settings.reply_timeout * 3 + 5s), backend_(make_redis_backend(settings, transport_)) {
  transport_.attach(*backend_);
}

blocking_redis::~blocking_redis() { backend_->shutdown(); }

bool blocking_redis::run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  for (;;) {
    backend_->on_tick(std::chrono::steady_clock::now());
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    transport_.poll_once(10ms);
  }
}

void blocking_redis::submit(std::vector<redis_command_args> commands, completion done) {
  bool finished = false;
  std::vector<redis_value> replies;
  std::exception_ptr failure;
  backend_->submit(std::move(commands), [&](std::vector<redis_value> r, std::exception_ptr f) {
    replies = std::move(r);
    failure = f;
    finished = true;
  });
  if (!run_until([&] { return finished; }, deadline_)) {
    // The backends bound every wait themselves; this is the last guard against a hang: fail
    // everything (this executor is not used again after that).
    backend_->shutdown();
    run_until([&] { return finished; }, 0ms);
    if (!finished) failure = std::make_exception_ptr(redis_unavailable("Redis did not answer in time"));
  }
  done(std::move(replies), failure);
}

redis_value blocking_redis::command(const redis_command_args& args) { return sync_wait(one_command(*this, args)); }

bool blocking_redis::locate(std::chrono::milliseconds deadline) {
  return run_until([&] { return backend_->located(); }, deadline);
}

}  // namespace sg
