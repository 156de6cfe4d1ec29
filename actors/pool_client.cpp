#include "actors/pool_client.hpp"

namespace sg {

const char* to_string(pool_error error) {
  switch (error) {
    case pool_error::none: return "none";
    case pool_error::rejected: return "rejected";
    case pool_error::bad_response: return "bad_response";
    case pool_error::idp_unavailable: return "idp_unavailable";
    case pool_error::circuit_open: return "circuit_open";
    case pool_error::busy: return "busy";
    case pool_error::restarting: return "restarting";
    case pool_error::worker_crashed: return "worker_crashed";
    case pool_error::timeout: return "timeout";
    case pool_error::unknown_provider: return "unknown_provider";
    case pool_error::shutting_down: return "shutting_down";
  }
  return "unknown";
}

int http_status_of(pool_error error) {
  switch (error) {
    case pool_error::none: return 200;
    case pool_error::rejected: return 400;
    case pool_error::bad_response: return 502;
    case pool_error::unknown_provider: return 404;
    case pool_error::idp_unavailable:
    case pool_error::circuit_open:
    case pool_error::busy:
    case pool_error::restarting:
    case pool_error::worker_crashed:
    case pool_error::timeout:
    case pool_error::shutting_down: return 503;
  }
  return 503;
}

}  // namespace sg
