// Operational endpoints: liveness, readiness, metrics (the listings are in listing_routes.cpp).
#include <nlohmann/json.hpp>

#include "gateway/gateway.hpp"
#include "gateway/responses.hpp"

namespace sg {

task<void> gateway::healthz(http_request&, http_response& res) {
  send_json(res, 200, R"({"status":"ok"})");
  co_return;
}

// Redis is ready when it takes a write, not only a PING: under `maxmemory` with `noeviction`,
// on a replica made read-only or during a failover PING still answers while every login fails.
// The probe key is tiny and expires by itself.
namespace {
// The commands are named variables: GCC 12 miscompiles a braced list inside a co_await
// ("array used as initializer").
task<std::string> redis_readiness_problem(redis_executor& redis, std::string prefix) {
  redis_command_args ping{"PING"};
  redis_command_args probe{"SET", prefix + "readyz-probe", "1", "PX", "10000"};
  bool pong = false;
  try {
    auto reply = co_await redis.exec(std::move(ping));
    pong = reply.type == redis_value::kind::status && reply.text == "PONG";
  } catch (const std::exception&) {
  }
  if (!pong) co_return std::string("Redis does not answer PING");
  std::string problem;
  try {
    co_await redis.exec(std::move(probe));
  } catch (const std::exception& e) {
    problem = std::string("Redis refuses writes: ") + e.what();
  }
  co_return problem;
}

// Every pool's status, as the pools report it (a pool that does not answer in time says so).
auto pool_statuses(provider_pools& pools) {
  return await_callback<std::vector<pool_status>>(
      [&pools](std::function<void(std::vector<pool_status>)> done) { pools.status(std::move(done)); });
}
}  // namespace

task<void> gateway::readyz(http_request&, http_response& res) {
  // Sentinel without a known master, or Cluster without a slot map: not ready, and nothing to
  // probe. Otherwise the server found must take a write.
  std::string redis_problem = "no Redis found: " + deps_.redis.status();
  if (deps_.redis.located()) redis_problem = co_await redis_readiness_problem(deps_.redis, deps_.config.redis_prefix);
  bool redis_ok = redis_problem.empty();
  nlohmann::json providers = nlohmann::json::object();
  bool pools_ok = true;
  auto pools = co_await pool_statuses(deps_.pools);
  for (const auto& pool : pools) {
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
       {{"redis", {{"ready", redis_ok}, {"detail", redis_ok ? "ok" : redis_problem},
                   {"mode", deps_.redis.mode()}, {"found", deps_.redis.status()}}},
        {"providers", providers}}}};
  send_json(res, ready ? 200 : 503, body.dump());
}

task<void> gateway::metrics(http_request&, http_response& res) {
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
    auto totals = co_await deps_.flows.totals();
    out += "# TYPE socialgate_flows_started_total counter\n";
    line("socialgate_flows_started_total", "", static_cast<double>(totals.started));
    out += "# TYPE socialgate_flows_finished_total counter\n";
    line("socialgate_flows_finished_total", "", static_cast<double>(totals.finished));
    out += "# TYPE socialgate_flows_unfinished gauge\n";
    line("socialgate_flows_unfinished", "", static_cast<double>(totals.started - totals.finished));
  } catch (const std::exception&) {
    // Redis down: the rest of the metrics still answer.
  }
  // The loop's own series: its connections, its Redis client's errors and connections in use.
  if (deps_.loop_metrics) deps_.loop_metrics(out);
  out += "# TYPE socialgate_provider_worker_restarts_total counter\n";
  out += "# TYPE socialgate_provider_pool_ready gauge\n";
  auto pools = co_await pool_statuses(deps_.pools);
  for (const auto& pool : pools) {
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
