#include "app/service.hpp"

#include <httplib.h>

#include <stdexcept>

#include "actors/runtime.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "session-store/redis_url.hpp"

namespace sg {
namespace {
pool_settings make_pool_settings(const service_config& config) {
  pool_settings settings;
  settings.workers = config.provider_workers;
  settings.queue_limit = config.provider_queue_limit;
  // Three IdP calls per login (token, user, emails), each bounded by the IdP timeout.
  settings.call_timeout = std::chrono::seconds(config.idp_timeout_seconds * 3 + 2);
  settings.breaker_threshold = config.breaker_threshold;
  settings.breaker_cooldown = std::chrono::milliseconds(config.breaker_cooldown_ms);
  return settings;
}

std::vector<provider_descriptor> descriptors_of(const std::vector<std::shared_ptr<provider>>& providers) {
  std::vector<provider_descriptor> out;
  for (const auto& p : providers) out.push_back(p->descriptor());
  return out;
}
}  // namespace

struct service::impl {
  service_config config;
  redis_pool redis;
  flow_store flows;
  login_code_store login_codes;
  session_store sessions;
  user_store users;
  rate_limiter limiter;
  actor_runtime runtime;
  gateway routes;
  httplib::Server server;
  bool started = false;

  impl(service_config c, std::vector<std::shared_ptr<provider>> providers)
      : config(std::move(c)),
        redis(parse_redis_url(config.redis_url), static_cast<std::size_t>(config.redis_pool_size)),
        flows(redis, config.redis_prefix, config.flow_ttl_seconds,
              {config.max_flows_per_browser, config.max_flows_per_address}),
        login_codes(redis, config.redis_prefix, config.login_code_ttl_seconds),
        sessions(redis, config.redis_prefix, {config.session_age, config.session_absolute_age, 60}),
        users(redis, config.redis_prefix),
        limiter(redis, config.redis_prefix, config.rate_limits),
        runtime(providers, make_pool_settings(config)),
        routes({config, redis, flows, login_codes, sessions, users, limiter, runtime, descriptors_of(providers)}) {}
};

service::service(service_config config, std::vector<std::shared_ptr<provider>> providers)
    : impl_(std::make_unique<impl>(std::move(config), std::move(providers))) {}

service::~service() { stop(); }

int service::start() {
  auto& s = *impl_;
  auto threads = static_cast<std::size_t>(s.config.http_threads);
  // Each keep-alive connection holds a pool thread: size the pool for connections, not cores.
  s.server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Without TCP_NODELAY a keep-alive answer written in two parts waits ~40 ms for the
  // client's delayed ACK (Nagle): measured as a 43 ms p50 on /api/auth/verify.
  s.server.set_tcp_nodelay(true);
  s.server.set_keep_alive_max_count(1000);
  s.server.set_keep_alive_timeout(5);
  s.server.set_read_timeout(10, 0);
  s.server.set_write_timeout(10, 0);
  s.server.set_payload_max_length(64 * 1024);
  s.routes.install(s.server);
  int port = s.config.listen_port == 0 ? s.server.bind_to_any_port(s.config.listen_host)
                                       : (s.server.bind_to_port(s.config.listen_host, s.config.listen_port)
                                              ? s.config.listen_port
                                              : -1);
  if (port < 0)
    throw std::runtime_error("cannot listen on " + s.config.listen_host + ":" + std::to_string(s.config.listen_port) +
                             " (SOCIALGATE_LISTEN): address in use or not available");
  s.runtime.start_gateway([&server = s.server] { server.listen_after_bind(); }, [&server = s.server] { server.stop(); });
  s.started = true;
  return port;
}

void service::check_key_layout_before_writing() { impl_->users.check_key_layout_before_writing(); }

void service::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->started = false;
  impl_->runtime.shutdown();
}

}  // namespace sg
