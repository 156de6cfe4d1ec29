#include "support/background_load.hpp"

#include <chrono>

namespace sg::test {

background_load::background_load(sg::load::load_options options, int users, int max_seconds)
    : options_(std::move(options)) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
  for (int u = 0; u < users; ++u)
    threads_.emplace_back([this, u, deadline] {
      sg::load::virtual_user user(u, options_, results_, round_robin_);
      for (int i = 0; !stop_ && std::chrono::steady_clock::now() < deadline; ++i) user.run_once(i);
    });
}

background_load::~background_load() { stop(); }

void background_load::stop() {
  stop_ = true;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

}  // namespace sg::test
