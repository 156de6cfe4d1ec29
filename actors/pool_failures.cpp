#include "actors/pool_failures.hpp"

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include "core/log.hpp"

namespace sg {

pool_error pool_error_of(provider_error::kind kind) {
  switch (kind) {
    case provider_error::kind::rejected: return pool_error::rejected;
    case provider_error::kind::bad_response: return pool_error::bad_response;
    case provider_error::kind::unavailable: return pool_error::idp_unavailable;
  }
  return pool_error::idp_unavailable;
}

pool_error pool_error_of(const caf::error& error) {
  if (error == caf::sec::request_timeout) return pool_error::timeout;
  // request_receiver_down (the supervisor died with the call), or anything else CAF reports:
  // the pool could not answer, which for the user is the same as a pool being restarted.
  return pool_error::restarting;
}

std::string message_of(const caf::error& error) {
  if (error == caf::sec::request_timeout) return "the provider pool did not answer in time";
  if (error == caf::sec::request_receiver_down) return pool_text::supervisor_restarting;
  return "the provider pool did not answer: " + caf::to_string(error);
}

login_start_result build_login_url(login_start_result admission, const provider& idp, const authorize_request& request) {
  if (admission.error != pool_error::none) return admission;
  try {
    admission.url = idp.authorize_url(request);
  } catch (const provider_error& e) {
    return pool_failure<login_start_result>(pool_error_of(e.what_kind), e.what());
  } catch (const std::exception& e) {
    // A bug in a provider must not escape into the caller's event loop.
    log_event(log_level::error, "authorize_url_failed", {{"provider", idp.slug()}, {"reason", e.what()}});
    return pool_failure<login_start_result>(pool_error::bad_response, "the provider could not build its sign-in address");
  }
  return admission;
}

}  // namespace sg
