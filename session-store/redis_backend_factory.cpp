#include "session-store/redis_backend_factory.hpp"

#include "session-store/redis_cluster_backend.hpp"
#include "session-store/redis_sentinel_backend.hpp"
#include "session-store/redis_standalone_backend.hpp"
#include "session-store/redis_tls.hpp"

namespace sg {
namespace {

// TLS beneath any backend: the raw transport's events are ciphertext for the TLS layer, which
// hands plaintext to the backend; the backend's connections open through the TLS layer.
class tls_backend : public redis_backend {
 public:
  tls_backend(const redis_settings& settings, redis_transport& raw)
      : tls_(std::make_shared<redis_tls_context>(settings.tls), raw), inner_(make_plain(settings, tls_)) {
    tls_.attach(*inner_);
  }
  static std::unique_ptr<redis_backend> make_plain(const redis_settings& settings, redis_transport& transport) {
    switch (settings.mode) {
      case redis_mode::sentinel: return std::make_unique<redis_sentinel_backend>(settings, transport);
      case redis_mode::cluster: return std::make_unique<redis_cluster_backend>(settings, transport);
      case redis_mode::standalone: break;
    }
    return std::make_unique<redis_standalone_backend>(settings.data, settings.connections, transport,
                                                      settings.reply_timeout);
  }

  void submit(std::vector<redis_command_args> commands, completion done) override {
    inner_->submit(std::move(commands), std::move(done));
  }
  void on_data(std::size_t index, std::string_view bytes) override { tls_.on_data(index, bytes); }
  void on_closed(std::size_t index) override { tls_.on_closed(index); }
  void on_tick(std::chrono::steady_clock::time_point now) override { inner_->on_tick(now); }
  void shutdown() override { inner_->shutdown(); }
  std::uint64_t errors() const override { return inner_->errors(); }
  std::size_t in_use() const override { return inner_->in_use(); }
  std::string mode() const override { return inner_->mode(); }
  bool located() const override { return inner_->located(); }
  std::string status() const override { return inner_->status() + ", over TLS"; }

 private:
  redis_tls_transport tls_;  // declared first: destroyed after the backend that sends through it
  std::unique_ptr<redis_backend> inner_;
};

}  // namespace

redis_standalone_backend::redis_standalone_backend(redis_endpoint endpoint, std::size_t connections,
                                                   redis_transport& transport, std::chrono::milliseconds reply_timeout)
    : client_(std::move(endpoint), connections, transport, reply_timeout) {}

std::string redis_standalone_backend::status() const {
  const auto& e = client_.endpoint();
  return "server " + redis_address{e.host, e.port}.text() + (e.database ? ", database " + std::to_string(e.database) : "");
}

std::unique_ptr<redis_backend> make_redis_backend(const redis_settings& settings, redis_transport& transport) {
  if (settings.tls.enabled) return std::make_unique<tls_backend>(settings, transport);
  return tls_backend::make_plain(settings, transport);
}

}  // namespace sg
