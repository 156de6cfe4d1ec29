// Operational endpoints: liveness, readiness, metrics (the listings are in listing_routes.cpp).
#include <nlohmann/json.hpp>

#include "gateway/gateway.hpp"
#include "gateway/responses.hpp"

namespace sg {

void gateway::healthz(const httplib::Request&, httplib::Response& res) { send_json(res, 200, R"({"status":"ok"})"); }

// Redis is ready when it takes a write, not only a PING: under `maxmemory` with `noeviction`,
// on a replica made read-only or during a failover PING still answers while every login fails.
// The probe key is tiny and expires by itself.
namespace {
std::string redis_readiness_problem(redis_pool& redis, const std::string& prefix) {
  if (!redis.ping()) return "Redis does not answer PING";
  try {
    redis.command({"SET", prefix + "readyz-probe", "1", "PX", "10000"});
  } catch (const std::exception& e) {
    return std::string("Redis refuses writes: ") + e.what();
  }
  return "";
}
}  // namespace

void gateway::readyz(const httplib::Request&, httplib::Response& res) {
  auto redis_problem = redis_readiness_problem(deps_.redis, deps_.config.redis_prefix);
  bool redis_ok = redis_problem.empty();
  nlohmann::json providers = nlohmann::json::object();
  bool pools_ok = true;
  for (const auto& pool : deps_.pools.status()) {
    bool idp_ready = pool.idp_ready;  // e.g. OIDC discovery loaded
    pools_ok = pools_ok && pool.ready && idp_ready;
    providers[pool.slug] = {{"ready", pool.ready && idp_ready}, {"idp_ready", idp_ready},          {"state", pool.state},
                            {"workers", pool.workers_alive}, {"workers_target", pool.workers_target},
                            {"busy", pool.busy},            {"queued", pool.queued},
                            {"restarts", pool.restarts},    {"retries", pool.retries},
                            {"breaker", pool.breaker},
                            {"worker_ids", pool.worker_ids}};
  }
  bool ready = redis_ok && pools_ok;
  nlohmann::json body = {
      {"status", ready ? "ready" : "not ready"},
      {"components",
       {{"redis", {{"ready", redis_ok}, {"detail", redis_ok ? "ok" : redis_problem}}},
        {"providers", providers}}}};
  send_json(res, ready ? 200 : 503, body.dump());
}

void gateway::metrics(const httplib::Request&, httplib::Response& res) {
  std::string out;
  auto line = [&](const std::string& name, const std::string& labels, double value) {
    auto whole = static_cast<long long>(value);
    out += name + (labels.empty() ? "" : "{" + labels + "}") + " " +
           (static_cast<double>(whole) == value ? std::to_string(whole) : std::to_string(value)) + "\n";
  };
  // Requests by route and status, logins by provider (attempts, successes, failures by
  // reason), sessions created, and latency histograms of logins and IdP calls.
  out += metrics_.render();
  try {
    // Over all replicas: flows started and consumed; the difference were never finished (or are open).
    auto totals = deps_.flows.totals();
    out += "# TYPE socialgate_flows_started_total counter\n";
    line("socialgate_flows_started_total", "", static_cast<double>(totals.started));
    out += "# TYPE socialgate_flows_finished_total counter\n";
    line("socialgate_flows_finished_total", "", static_cast<double>(totals.finished));
    out += "# TYPE socialgate_flows_unfinished gauge\n";
    line("socialgate_flows_unfinished", "", static_cast<double>(totals.started - totals.finished));
  } catch (const std::exception&) {
    // Redis down: the rest of the metrics still answer.
  }
  out += "# TYPE socialgate_redis_errors_total counter\n";
  line("socialgate_redis_errors_total", "", static_cast<double>(deps_.redis.errors()));
  out += "# TYPE socialgate_redis_connections_in_use gauge\n";
  line("socialgate_redis_connections_in_use", "", static_cast<double>(deps_.redis.in_use()));
  out += "# TYPE socialgate_provider_worker_restarts_total counter\n";
  out += "# TYPE socialgate_provider_pool_ready gauge\n";
  for (const auto& pool : deps_.pools.status()) {
    auto label = "provider=\"" + pool.slug + "\"";
    line("socialgate_provider_worker_restarts_total", label, static_cast<double>(pool.restarts));
    line("socialgate_provider_pool_ready", label, pool.ready ? 1 : 0);
    line("socialgate_provider_workers_busy", label, pool.busy);
    line("socialgate_provider_breaker_open", label, pool.breaker == "closed" ? 0 : 1);
    line("socialgate_provider_breaker_opened_total", label, static_cast<double>(pool.breaker_opened));
    line("socialgate_provider_breaker_rejected_total", label, static_cast<double>(pool.breaker_rejected));
  }
  res.status = 200;
  res.set_content(out, "text/plain; version=0.0.4");
}

}  // namespace sg
