#include "session-store/rate_limiter.hpp"

#include "core/crypto.hpp"

namespace sg {
namespace {
// KEYS[1]: the window's counter. ARGV[1]: window seconds. Returns {count, ttl}.
constexpr const char* count_script = R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
)lua";
}  // namespace

rate_decision rate_limiter::check(const std::string& bucket, const std::string& client) {
  for (const auto& rule : rules_) {
    if (rule.bucket != bucket) continue;
    // The address is hashed: keys stay short and Redis holds no list of client addresses.
    auto key = prefix_ + "rate:" + bucket + ":" + sha256_hex(client).substr(0, 32);
    auto reply = redis_.command({"EVAL", count_script, "1", key, std::to_string(rule.window_seconds)});
    if (reply.elements.size() != 2) return {};
    auto count = reply.elements[0].integer;
    auto ttl = reply.elements[1].integer;
    if (count > rule.limit) return {false, ttl > 0 ? ttl : rule.window_seconds};
  }
  return {};
}

}  // namespace sg
