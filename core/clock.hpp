#pragma once
#include <chrono>

namespace sg {
// Wall-clock time in whole seconds since the Unix epoch (token claims, session timestamps).
inline long long unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace sg
