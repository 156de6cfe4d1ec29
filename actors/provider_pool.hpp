#pragma once
// A provider's pool: its supervisor actor and the worker actors it supervises.
#include <memory>

#include "actors/pool_messages.hpp"
#include "actors/supervisor_directory.hpp"

namespace sg {

// The directory is read only for whether the runtime is stopping: calls a dying supervisor
// still holds are answered shutting_down then, and restarting otherwise.
provider_supervisor_actor spawn_provider_supervisor(caf::actor_system& system, std::shared_ptr<provider> idp,
                                                    pool_settings settings,
                                                    std::shared_ptr<const supervisor_directory> directory);

}  // namespace sg
