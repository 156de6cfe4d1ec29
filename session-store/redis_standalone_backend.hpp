#pragma once
// Standalone mode: one Redis server (REDIS_URL), as before issue 14.
#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"

namespace sg {

class redis_standalone_backend : public redis_backend {
 public:
  redis_standalone_backend(redis_endpoint endpoint, std::size_t connections, redis_transport& transport,
                           std::chrono::milliseconds reply_timeout);

  void submit(std::vector<redis_command_args> commands, completion done) override {
    client_.submit(std::move(commands), std::move(done));
  }
  void on_data(std::size_t index, std::string_view bytes) override { client_.on_data(index, bytes); }
  void on_closed(std::size_t index) override { client_.on_closed(index); }
  void on_tick(std::chrono::steady_clock::time_point now) override { client_.on_tick(now); }
  void shutdown() override { client_.shutdown(); }
  std::uint64_t errors() const override { return client_.errors(); }
  std::size_t in_use() const override { return client_.in_use(); }
  std::string mode() const override { return "standalone"; }
  bool located() const override { return true; }
  std::string status() const override;

 private:
  redis_loop_client client_;
};

}  // namespace sg
