#include "actors/loop_pool_client.hpp"

#include <caf/io/broker.hpp>

#include "actors/actor_headers.hpp"
#include "actors/actor_pool_client.hpp"

namespace sg {

std::unique_ptr<provider_pools> make_loop_pool_client(caf::io::broker* self,
                                                      std::shared_ptr<const supervisor_directory> directory,
                                                      std::chrono::milliseconds call_bound) {
  using client = actor_pool_client<caf::io::broker>;
  return std::make_unique<client>(self, std::move(directory), client::bounds{call_bound, std::chrono::seconds(2)});
}

}  // namespace sg
