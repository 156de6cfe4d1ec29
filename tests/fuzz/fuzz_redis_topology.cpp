// Issue 14: what socialgate reads about a Redis deployment from outside: address lists from the
// configuration, CLUSTER SLOTS replies and MOVED/ASK errors from the servers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/env_config.hpp"
#include "session-store/redis_settings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sg::parse_redis_addresses("REDIS_SENTINELS", text);
  } catch (const sg::config_error&) {
  }
  return 0;
}
