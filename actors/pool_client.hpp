#pragma once
// What a gateway loop may ask of the provider pools, without CAF types and without blocking:
// every answer arrives later as a callback on the loop's own thread (the broker's context), so
// a route awaits it with await_callback. Failures are one enum, never a bag of flags.
#include <functional>
#include <string>
#include <vector>

#include "actors/pool_types.hpp"

namespace sg {

enum class pool_error {
  none,
  rejected,          // the IdP refused (bad or replayed code, denied): 400
  bad_response,      // the IdP answered something unusable: 502
  idp_unavailable,   // the IdP could not be reached in time: 503
  circuit_open,      // repeated IdP failures: sign-in with it paused: 503
  busy,              // the pool's queue is full: 503
  restarting,        // the pool is in restart backoff, or its supervisor is being restarted: 503
  worker_crashed,    // the worker died while handling this call: 503
  timeout,           // no answer within the call bound: 503
  unknown_provider,  // not an enabled provider: 404 (the gateway checks first; defensive)
  shutting_down,     // the service is stopping: 503
};
const char* to_string(pool_error error);
int http_status_of(pool_error error);

struct login_start_result {
  pool_error error = pool_error::none;
  std::string message;  // for the user and the log; never a secret
  std::string url;      // the IdP's authorize URL when error == none
};

struct identity_result {
  pool_error error = pool_error::none;
  std::string message;
  external_identity identity;  // validated claims when error == none
};

class provider_pools {
 public:
  virtual ~provider_pools() = default;
  // Asks only the provider's breaker (no worker, no IdP call), then builds the authorize URL
  // on the caller's thread from the provider's configuration and discovered endpoints.
  virtual void start_login(const std::string& slug, authorize_request request,
                           std::function<void(login_start_result)> done) = 0;
  // The code exchange and user lookup, on one of the provider's workers.
  virtual void fetch_identity(const std::string& slug, code_exchange exchange,
                              std::function<void(identity_result)> done) = 0;
  // Every pool's status (readiness, metrics); a pool that does not answer in 2 s is
  // reported "unresponsive".
  virtual void status(std::function<void(std::vector<pool_status>)> done) = 0;
};

}  // namespace sg
