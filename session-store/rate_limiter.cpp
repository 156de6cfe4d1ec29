#include "session-store/rate_limiter.hpp"

#include "core/crypto.hpp"
#include "session-store/window_counter.hpp"

namespace sg {

task<rate_decision> rate_limiter::check(std::string bucket, std::string client) {
  for (const auto& rule : rules_) {
    if (rule.bucket != bucket) continue;
    // The address is hashed: keys stay short and Redis holds no list of client addresses.
    auto key = prefix_ + "rate:" + bucket + ":" + sha256_hex(client).substr(0, 32);
    auto counted = co_await count_in_window(redis_, std::move(key), rule.window_seconds);
    if (counted.count > rule.limit)
      co_return rate_decision{false, counted.ttl_seconds > 0 ? counted.ttl_seconds : rule.window_seconds};
  }
  co_return rate_decision{};
}

}  // namespace sg
