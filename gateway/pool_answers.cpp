#include "gateway/pool_answers.hpp"

#include "core/log.hpp"
#include "gateway/responses.hpp"

namespace sg {

bool is_pool_failure(pool_error error) {
  switch (error) {
    case pool_error::rejected:
    case pool_error::bad_response:
    case pool_error::idp_unavailable:
    case pool_error::none: return false;
    // unknown_provider: routes check the provider first; if one slips through, the pool
    // refuses it as it always did, as unavailable.
    default: return true;
  }
}

const char* login_failure_reason(pool_error error) {
  switch (error) {
    case pool_error::rejected: return "idp_rejected";
    case pool_error::bad_response: return "idp_bad_response";
    case pool_error::idp_unavailable: return "idp_unavailable";
    default: return "provider_unavailable";
  }
}

void send_pool_failure(const http_request& request, http_response& response, pool_error error,
                       const std::string& message) {
  if (is_pool_failure(error)) {
    log_event(log_level::warning, "provider_unavailable", {{"path", request.path}, {"reason", message}});
    send_error(request, response, 503, "Sign-in with this provider is unavailable right now: " + message);
    return;
  }
  int status = error == pool_error::rejected ? 400 : error == pool_error::bad_response ? 502 : 503;
  log_event(log_level::warning, "provider_error", {{"path", request.path}, {"status", status}, {"reason", message}});
  send_error(request, response, status, "Sign-in failed: " + message);
}

}  // namespace sg
