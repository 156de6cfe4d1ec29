#pragma once
// A provider's pool: a supervisor actor and its worker actors (see provider_pool.cpp).
#include <memory>

#include "actors/actor_headers.hpp"
#include "actors/pool_types.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sg::authorize_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sg::code_exchange)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sg::pool_call_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(sg::pool_status)

namespace sg {
namespace atoms {
using authorize = caf::atom_constant<caf::atom("sgauthz")>;
using exchange = caf::atom_constant<caf::atom("sgexch")>;
using status = caf::atom_constant<caf::atom("sgstatus")>;
using respawn = caf::atom_constant<caf::atom("sgrespawn")>;
using kill_worker = caf::atom_constant<caf::atom("sgkill")>;
}  // namespace atoms

caf::actor spawn_provider_pool(caf::actor_system& system, std::shared_ptr<provider> provider,
                               pool_settings settings);

}  // namespace sg
