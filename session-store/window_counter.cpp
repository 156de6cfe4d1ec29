#include "session-store/window_counter.hpp"

namespace sg {
namespace {
// KEYS[1]: the window's counter. ARGV[1]: window seconds. Returns {count, ttl}.
const redis_script& count_script() {
  static const redis_script script(R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
)lua");
  return script;
}
}  // namespace

task<window_count> count_in_window(redis_executor& redis, std::string key, long window_seconds) {
  std::vector<std::string> keys{std::move(key)};
  std::vector<std::string> args{std::to_string(window_seconds)};
  auto reply = co_await redis.eval(count_script(), std::move(keys), std::move(args));
  if (reply.elements.size() != 2) throw redis_command_error("unexpected reply from the window counter");
  co_return window_count{reply.elements[0].integer, reply.elements[1].integer};
}

}  // namespace sg
