#pragma once
// Load in the background of a test: virtual users from socialgate-loadtest running logins (or
// session checks) until stopped. Bounded: it stops by itself after `max_seconds`.
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "loadtest/virtual_user.hpp"

namespace sg::test {

class background_load {
 public:
  background_load(sg::load::load_options options, int users, int max_seconds = 60);
  ~background_load();
  void stop();
  sg::load::recorder& results() { return results_; }

 private:
  sg::load::load_options options_;
  sg::load::recorder results_;
  std::atomic<unsigned> round_robin_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace sg::test
