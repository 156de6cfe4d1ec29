#include "app/service.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <atomic>
#include <deque>
#include <stdexcept>

#include "actors/runtime.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/loop/http_loop.hpp"
#include "session-store/redis_backend_factory.hpp"
#include "session-store/redis_settings.hpp"

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

// Figures of one loop that /metrics shows for the whole replica: each loop publishes its own
// (once a second, and just before it renders /metrics), any loop may read them all.
struct loop_counters {
  std::atomic<std::uint64_t> redis_errors{0};
  std::atomic<std::size_t> redis_in_use{0};
};

// Everything one event loop serves requests with, bound to that loop: its own Redis
// connections, stores over them, a pool client answering on the loop, and the routes.
class loop_bundle : public loop_services {
 public:
  loop_bundle(const service_config& config, const redis_settings& deployment, redis_transport& transport, std::unique_ptr<provider_pools> pool_client,
              std::vector<provider_descriptor> providers, metrics_registry& metrics, loop_counters& counters,
              std::function<void(std::string&)> replica_gauges, bool check_layout_first)
      : counters_(counters),
        redis_(make_redis_backend(deployment, transport)),
        flows_(*redis_, config.redis_prefix, config.flow_ttl_seconds,
               {config.max_flows_per_browser, config.max_flows_per_address}),
        login_codes_(*redis_, config.redis_prefix, config.login_code_ttl_seconds),
        sessions_(*redis_, config.redis_prefix, {config.session_age, config.session_absolute_age, 60}),
        users_(*redis_, config.redis_prefix),
        limiter_(*redis_, config.redis_prefix, config.rate_limits),
        pools_(std::move(pool_client)),
        gateway_({config, *redis_, flows_, login_codes_, sessions_, users_, limiter_, *pools_, std::move(providers),
                  metrics, [this, gauges = std::move(replica_gauges)](std::string& out) {
                    on_tick();
                    gauges(out);
                  }}) {
    if (check_layout_first) users_.check_key_layout_before_writing();
    gateway_.install(routes_);
  }
  router& routes() override { return routes_; }
  redis_backend& redis() override { return *redis_; }
  void on_tick() override {
    counters_.redis_errors = redis_->errors();
    counters_.redis_in_use = redis_->in_use();
  }

 private:
  loop_counters& counters_;
  std::unique_ptr<redis_backend> redis_;
  flow_store flows_;
  login_code_store login_codes_;
  session_store sessions_;
  user_store users_;
  rate_limiter limiter_;
  std::unique_ptr<provider_pools> pools_;
  gateway gateway_;
  router routes_;
};

// One loop: its own actor system, whose middleman's multiplexer thread is the loop.
struct event_loop {
  std::unique_ptr<caf::actor_system_config> config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor broker;
};

std::unique_ptr<caf::actor_system_config> loop_system_config() {
  auto cfg = std::make_unique<caf::actor_system_config>();
  cfg->load<caf::io::middleman>();
  cfg->set("logger.verbosity", caf::atom("quiet"));
  // The loop's work runs in the multiplexer thread; the scheduler only runs the odd helper.
  cfg->set("scheduler.max-threads", 1);
  cfg->set("scheduler.policy", caf::atom("sharing"));  // blocks when idle instead of polling
  return cfg;
}
}  // namespace

struct service::impl {
  service_config config;
  redis_settings redis_deployment;  // checked by main before the service is made
  std::vector<provider_descriptor> providers;
  metrics_registry metrics;
  actor_runtime runtime;
  connection_budget budget;
  std::vector<event_loop> loops;
  std::deque<loop_counters> counters;  // one per loop; a deque keeps their addresses
  bool check_layout_first = false;
  bool started = false;

  impl(service_config c, std::vector<std::shared_ptr<provider>> all)
      : config(std::move(c)),
        redis_deployment(redis_settings_from(config)),
        providers(descriptors_of(all)),
        runtime(all, make_pool_settings(config)),
        budget(static_cast<std::size_t>(config.max_connections), static_cast<std::size_t>(config.max_connections_per_address),
               config.trusted_proxies, config.ipv6_prefix_length) {}

  // What /metrics shows of the loops: connections and Redis figures of the whole replica.
  std::function<void(std::string&)> replica_gauges() {
    return [this](std::string& out) {
      std::uint64_t redis_errors = 0;
      std::size_t redis_in_use = 0;
      for (const auto& c : counters) {
        redis_errors += c.redis_errors;
        redis_in_use += c.redis_in_use;
      }
      out += "# TYPE socialgate_http_connections_open gauge\nsocialgate_http_connections_open " +
             std::to_string(budget.open()) + "\n";
      out += "# TYPE socialgate_redis_errors_total counter\nsocialgate_redis_errors_total " +
             std::to_string(redis_errors) + "\n";
      out += "# TYPE socialgate_redis_connections_in_use gauge\nsocialgate_redis_connections_in_use " +
             std::to_string(redis_in_use) + "\n";
    };
  }
};

service::service(service_config config, std::vector<std::shared_ptr<provider>> providers)
    : impl_(std::make_unique<impl>(std::move(config), std::move(providers))) {}

service::~service() { stop(); }

int service::start() {
  auto& s = *impl_;
  int port = s.config.listen_port;
  for (int i = 0; i < s.config.event_loops; ++i) {
    int bound = 0;
    int fd = open_listening_socket(s.config.listen_host, port, bound);
    port = bound;  // the first loop picked the port (when 0); the others share it
    http_loop_settings settings;
    settings.listen_fd = fd;
    settings.request_deadline = std::chrono::seconds(s.config.request_deadline_seconds);
    settings.keepalive_idle = std::chrono::seconds(s.config.keepalive_idle_seconds);
    settings.budget = &s.budget;
    auto& counters = s.counters.emplace_back();
    event_loop loop;
    loop.config = loop_system_config();
    loop.system = std::make_unique<caf::actor_system>(*loop.config);
    auto factory = [&s, &counters](caf::io::broker* self, redis_transport& transport) -> std::unique_ptr<loop_services> {
      return std::make_unique<loop_bundle>(s.config, s.redis_deployment, transport, s.runtime.make_loop_client(self), s.providers,
                                           s.metrics, counters, s.replica_gauges(), s.check_layout_first);
    };
    loop.broker = spawn_http_loop(*loop.system, std::move(settings), factory);
    s.loops.push_back(std::move(loop));
  }
  s.started = true;
  return port;
}

void service::check_key_layout_before_writing() { impl_->check_layout_first = true; }

void service::stop() {
  if (!impl_ || !impl_->started) return;
  impl_->started = false;
  auto bound = std::chrono::seconds(impl_->config.shutdown_timeout_seconds);
  // Every loop stops accepting and drains; then the pools they were waiting on can go; the
  // loops' actor systems last (CAF 0.17 crashes delivering a late pool answer to a broker
  // whose system is gone: see actor_runtime::make_loop_client).
  for (auto& loop : impl_->loops) stop_http_loop(*loop.system, loop.broker, bound);
  impl_->runtime.shutdown();
  for (auto& loop : impl_->loops) {
    loop.broker = nullptr;
    loop.system.reset();
  }
  impl_->loops.clear();
}

}  // namespace sg
