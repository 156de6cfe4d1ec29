#pragma once
// The root of the supervision tree: starts every provider's supervisor, and restarts one that
// dies (same provider object, same settings) within the same restart intensity as the workers',
// then after a backoff. It publishes the current supervisors in the directory.
#include <memory>
#include <string>

#include "actors/pool_messages.hpp"
#include "actors/supervisor_directory.hpp"

namespace sg {

// respawn(slug): the end of a provider supervisor's restart backoff (its own timer).
using root_supervisor_actor = caf::typed_actor<caf::reacts_to<atoms::respawn, std::string>>;

// Starts every provider's supervisor, publishes them in the directory, then the root that
// watches them.
root_supervisor_actor spawn_root_supervisor(caf::actor_system& system, std::shared_ptr<supervisor_directory> directory,
                                            pool_settings settings);

}  // namespace sg
