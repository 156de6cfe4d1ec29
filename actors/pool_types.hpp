#pragma once
// Plain data exchanged between the gateway and the provider pools (no CAF types here, so the
// gateway compiles without CAF headers).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "providers/provider.hpp"

namespace sg {

struct pool_settings {
  int workers = 8;                  // the provider's concurrency limit
  int queue_limit = 256;            // requests waiting for a worker before 503
  std::chrono::milliseconds call_timeout{30000};
  // Restart intensity, for a pool's workers and (counted apart) for the pool's supervisor
  // under the root: at most this many restarts ...
  int max_restarts = 5;
  std::chrono::seconds restart_window{10};  // ... in this window, then backoff
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{30000};
  // Circuit breaker: this many IdP failures in a row open it; after the cooldown one call
  // probes the IdP, and its success closes the breaker again.
  int breaker_threshold = 5;
  std::chrono::milliseconds breaker_cooldown{10000};
};

struct pool_status {
  std::string slug;
  bool ready = false;
  bool idp_ready = true;  // the provider itself can work (e.g. OIDC discovery loaded)
  std::string state;  // "running", "backoff"; "restarting" while its supervisor is being restarted;
                      // "unresponsive" when it did not answer the status call in time
  int workers_alive = 0;
  int workers_target = 0;
  int busy = 0;
  int queued = 0;
  std::uint64_t restarts = 0;  // worker restarts, counted by the current supervisor
  std::uint64_t supervisor_restarts = 0;  // restarts of the provider's supervisor by the root
  std::uint64_t retries = 0;  // calls re-sent because their worker died before taking them
  std::string breaker = "closed";  // closed, open, half-open
  std::uint64_t breaker_opened = 0;
  std::uint64_t breaker_rejected = 0;
  std::vector<std::uint64_t> worker_ids;  // actor ids, to observe restarts in tests
};

}  // namespace sg
