// Placeholder until the TLS layer lands (issue 14): rediss:// is refused at start-up.
#include "session-store/redis_tls.hpp"

#include "core/env_config.hpp"

namespace sg {
struct redis_tls_transport::session {};
redis_tls_context::redis_tls_context(const redis_tls_options&) {
  throw config_error("REDIS_URL", "rediss:// is not built yet");
}
redis_tls_context::~redis_tls_context() = default;
redis_tls_transport::redis_tls_transport(std::shared_ptr<redis_tls_context> context, redis_transport& raw)
    : context_(std::move(context)), raw_(raw) {}
redis_tls_transport::~redis_tls_transport() = default;
bool redis_tls_transport::open(std::size_t, const redis_endpoint&) { return false; }
void redis_tls_transport::send(std::size_t, std::string_view) {}
void redis_tls_transport::close(std::size_t) {}
void redis_tls_transport::on_data(std::size_t, std::string_view) {}
void redis_tls_transport::on_closed(std::size_t) {}
}  // namespace sg
