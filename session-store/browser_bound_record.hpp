#pragma once
// Records that only the browser which made them may take: OAuth flow records and the cvat-ui
// one-time codes. One Lua check-and-delete takes such a record only for its own browser (the
// hash of the binding cookie) and provider, so anyone else who saw the state or the code
// (Referer, logs) can neither use it nor cancel the right browser's login.
#include <string>

#include "core/task.hpp"
#include "session-store/redis_executor.hpp"

namespace sg {

enum class bound_take_status { taken, missing, other_browser, other_provider };

struct bound_take {
  bound_take_status status = bound_take_status::missing;
  std::string record;  // the stored JSON, when taken
};

// The record under `key` must be JSON with "binding" and "provider". `taken_counter_key`, when
// not empty, is incremented after a take (its own command: the script touches the record's key
// only, so it stays within one Redis Cluster slot).
task<bound_take> take_browser_bound_record(redis_executor& redis, std::string key, std::string binding_hash,
                                           std::string provider, std::string taken_counter_key = "");

}  // namespace sg
