#pragma once
// One Redis interface for the loops and the tools, chosen by configuration (issue 14).
#include <memory>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_settings.hpp"

namespace sg {

// The backend of `settings.mode`, with every connection over TLS when `settings.tls.enabled`.
// The transport's owner reports its events to the backend returned. Throws config_error when
// a TLS file cannot be used.
std::unique_ptr<redis_backend> make_redis_backend(const redis_settings& settings, redis_transport& transport);

}  // namespace sg
