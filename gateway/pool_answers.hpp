#pragma once
// What a user is told when a provider pool could not give a route what it asked for. The
// statuses, wording and log lines are the ones the gateway answered when the pools threw
// (pool_unavailable: 503 "unavailable right now"; the IdP's own failures: "Sign-in failed").
#include <string>

#include "actors/pool_client.hpp"
#include "gateway/http/http_message.hpp"

namespace sg {

// The pool itself could not run the call (busy, restarting, breaker open, worker crashed,
// timeout, stopping), as opposed to an answer from the IdP.
bool is_pool_failure(pool_error error);
// The reason label of socialgate_login_failures_total for a failed code exchange.
const char* login_failure_reason(pool_error error);
// Logs the failure and answers it (503, or the IdP's 400/502/503 as "Sign-in failed: ...").
void send_pool_failure(const http_request& request, http_response& response, pool_error error,
                       const std::string& message);

}  // namespace sg
