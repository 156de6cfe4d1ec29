#pragma once
// Per-client-address limits shared by every replica: one atomic Lua round trip per check
// (INCR, and EXPIRE on the first hit of a window), so the sum over replicas is limited.
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/task.hpp"
#include "session-store/redis_executor.hpp"

namespace sg {

struct rate_decision {
  bool allowed = true;
  long retry_after_seconds = 0;
};

class rate_limiter {
 public:
  rate_limiter(redis_executor& redis, std::string prefix, std::vector<rate_limit_rule> rules)
      : redis_(redis), prefix_(std::move(prefix)), rules_(std::move(rules)) {}
  // Counts one request in `bucket` from `client`. A bucket without a rule is always allowed.
  task<rate_decision> check(std::string bucket, std::string client);

 private:
  redis_executor& redis_;
  std::string prefix_;
  std::vector<rate_limit_rule> rules_;
};

}  // namespace sg
