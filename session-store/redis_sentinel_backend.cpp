// Placeholder until the sentinel backend lands (issue 14).
#include "session-store/redis_sentinel_backend.hpp"

#include "core/env_config.hpp"

namespace sg {
struct redis_sentinel_backend::impl {};
redis_sentinel_backend::redis_sentinel_backend(const redis_settings&, redis_transport&) {
  throw config_error("REDIS_URL", "sentinel mode is not built yet");
}
redis_sentinel_backend::~redis_sentinel_backend() = default;
void redis_sentinel_backend::submit(std::vector<redis_command_args>, completion done) {
  done({}, std::make_exception_ptr(redis_unavailable("not built")));
}
void redis_sentinel_backend::on_data(std::size_t, std::string_view) {}
void redis_sentinel_backend::on_closed(std::size_t) {}
void redis_sentinel_backend::on_tick(std::chrono::steady_clock::time_point) {}
void redis_sentinel_backend::shutdown() {}
std::uint64_t redis_sentinel_backend::errors() const { return 0; }
std::size_t redis_sentinel_backend::in_use() const { return 0; }
bool redis_sentinel_backend::located() const { return false; }
std::string redis_sentinel_backend::status() const { return "not built"; }
}  // namespace sg
