#pragma once
// The pools as a gateway loop sees them: calls from the loop's broker, answers as callbacks in
// the broker's context (the loop's thread). The broker may live in another actor_system of the
// same process than the pools: CAF 0.17 delivers requests and their answers across systems.
#include <chrono>
#include <memory>

#include "actors/pool_client.hpp"

namespace caf::io {
class broker;
}

namespace sg {

class supervisor_directory;

std::unique_ptr<provider_pools> make_loop_pool_client(caf::io::broker* self,
                                                      std::shared_ptr<const supervisor_directory> directory,
                                                      std::chrono::milliseconds call_bound);

}  // namespace sg
