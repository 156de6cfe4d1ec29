#pragma once
// How each way a pool call can fail becomes a pool_error with a message for the user and the
// log. The texts of the failures users already knew (busy, circuit open, restarting, crashed
// worker, IdP timeout) are kept word for word.
#include <string>

#include <caf/fwd.hpp>

#include "actors/pool_client.hpp"

namespace sg::pool_text {
inline constexpr const char* circuit_open =
    "the identity provider is failing; sign-in with it is paused for a moment (circuit open)";
inline constexpr const char* busy = "too many logins in progress for this provider; try again shortly";
inline constexpr const char* backoff = "the provider is restarting after repeated failures";
inline constexpr const char* worker_crashed = "the provider worker failed unexpectedly";
inline constexpr const char* idp_timeout = "the identity provider did not answer in time";
inline constexpr const char* worker_lost = "the provider pool could not handle the request";
inline constexpr const char* supervisor_restarting = "the provider's pool is being restarted";
inline constexpr const char* shutting_down = "the service is shutting down";
inline constexpr const char* unknown_provider = "unknown provider";
}  // namespace sg::pool_text

namespace sg {

// The IdP's own answers (a provider_error) keep their meaning: refused, unusable, unreachable.
pool_error pool_error_of(provider_error::kind kind);

// A request to a supervisor that failed in CAF rather than in the pool: its supervisor died
// (restarting), no answer within the bound (timeout), or the caller's system is stopping.
pool_error pool_error_of(const caf::error& error);
std::string message_of(const caf::error& error);

template <class Result>
Result pool_failure(pool_error error, std::string message) {
  Result result;
  result.error = error;
  result.message = std::move(message);
  return result;
}

// The second half of a login start, on the caller's thread once the supervisor admitted it:
// the authorize URL from the provider's configuration and discovered endpoints (no network).
// Never throws: a provider_error (e.g. OIDC discovery not loaded) becomes its pool_error.
login_start_result build_login_url(login_start_result admission, const provider& idp, const authorize_request& request);

}  // namespace sg
