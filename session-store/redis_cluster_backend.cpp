// Placeholder until the cluster backend lands (issue 14).
#include "session-store/redis_cluster_backend.hpp"

#include "core/env_config.hpp"

namespace sg {
struct redis_cluster_backend::impl {};
redis_cluster_backend::redis_cluster_backend(const redis_settings&, redis_transport&) {
  throw config_error("REDIS_URL", "cluster mode is not built yet");
}
redis_cluster_backend::~redis_cluster_backend() = default;
void redis_cluster_backend::submit(std::vector<redis_command_args>, completion done) {
  done({}, std::make_exception_ptr(redis_unavailable("not built")));
}
void redis_cluster_backend::on_data(std::size_t, std::string_view) {}
void redis_cluster_backend::on_closed(std::size_t) {}
void redis_cluster_backend::on_tick(std::chrono::steady_clock::time_point) {}
void redis_cluster_backend::shutdown() {}
std::uint64_t redis_cluster_backend::errors() const { return 0; }
std::size_t redis_cluster_backend::in_use() const { return 0; }
bool redis_cluster_backend::located() const { return false; }
std::string redis_cluster_backend::status() const { return "not built"; }
}  // namespace sg
namespace sg {
std::uint64_t redis_cluster_backend::moved_redirections() const { return 0; }
std::uint64_t redis_cluster_backend::ask_redirections() const { return 0; }
}  // namespace sg
