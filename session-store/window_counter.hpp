#pragma once
// A counter per fixed window: one atomic step counts a hit and starts the window's expiry on its
// first hit (a counter found without an expiry, left by a crash, gets one). Shared by the rate
// limiter and the per-address cap on login starts; a single key, so one Redis Cluster slot.
#include <string>

#include "core/task.hpp"
#include "session-store/redis_executor.hpp"

namespace sg {

struct window_count {
  long long count = 0;        // hits in this window, this one included
  long long ttl_seconds = 0;  // until the window ends
};

task<window_count> count_in_window(redis_executor& redis, std::string key, long window_seconds);

}  // namespace sg
