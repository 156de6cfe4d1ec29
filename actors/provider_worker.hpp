#pragma once
// A provider's worker: runs one blocking IdP call at a time on its own thread.
#include <memory>

#include "actors/pool_messages.hpp"

namespace sg {

provider_worker_actor::behavior_type provider_worker(provider_worker_actor::pointer self, std::shared_ptr<provider> idp);

}  // namespace sg
