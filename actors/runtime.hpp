#pragma once
// The actor side of socialgate behind a plain C++ interface: the actor system, one supervised
// pool per provider, and the gateway actor that owns the HTTP server. HTTP handler threads
// (cpp-httplib's pool, not CAF's scheduler) call the pools through blocking bridges.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/pool_types.hpp"

namespace sg {

class provider_pools {
 public:
  virtual ~provider_pools() = default;
  // Both throw provider_error (the IdP's answer) or pool_unavailable (busy, restarting).
  virtual std::string authorize_url(const std::string& slug, const authorize_request& request) = 0;
  virtual external_identity fetch_identity(const std::string& slug, const code_exchange& exchange) = 0;
  virtual std::vector<pool_status> status() = 0;
};

class actor_runtime : public provider_pools {
 public:
  actor_runtime(std::vector<std::shared_ptr<provider>> providers, pool_settings settings);
  ~actor_runtime() override;

  std::string authorize_url(const std::string& slug, const authorize_request& request) override;
  external_identity fetch_identity(const std::string& slug, const code_exchange& exchange) override;
  std::vector<pool_status> status() override;
  // Fault injection for tests and drills: kills one worker of a provider's pool.
  void kill_worker(const std::string& slug, int index);

  // Spawns the gateway actor: it runs `serve` (a blocking accept loop) on a thread it owns
  // and calls `stop` when it is told to shut down.
  void start_gateway(std::function<void()> serve, std::function<void()> stop);
  // Stops the gateway (in-flight requests finish), then the pools.
  void shutdown();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
