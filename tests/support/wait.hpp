#pragma once
// Waiting on a condition with a deadline: the only synchronisation the tests use.
#include <chrono>
#include <functional>
#include <thread>

namespace sg::test {

inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval, not a synchronisation
  }
  return condition();
}

}  // namespace sg::test
