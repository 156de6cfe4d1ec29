#pragma once
// The actor side of socialgate behind a plain C++ interface: the actor system, a root
// supervisor, and one supervised pool per provider. Gateway loops reach the pools through
// make_loop_client; the blocking bridges are for tests and command-line tools only.
#include <memory>
#include <string>
#include <vector>

#include "actors/pool_client.hpp"
#include "actors/pool_types.hpp"

namespace caf::io {
class broker;
}

namespace sg {

class actor_runtime {
 public:
  actor_runtime(std::vector<std::shared_ptr<provider>> providers, pool_settings settings);
  ~actor_runtime();  // shutdown(), then waits for every pool actor to end
  actor_runtime(const actor_runtime&) = delete;
  actor_runtime& operator=(const actor_runtime&) = delete;

  // The pools for one gateway loop: `self` is the loop's broker (its actor_system may be
  // another one in this process). Calls are made from, and answered in, the broker's context.
  //
  // Lifetimes, in this order: (1) the brokers quit (each client, destroyed with its broker,
  // answers its pending calls with shutting_down); (2) shutdown() (or the destructor); (3) the
  // loops' actor_systems are destroyed. A pool may still hold a call of a broker that has quit
  // and answers it when the call ends or at shutdown; CAF 0.17 crashes delivering anything to
  // a broker whose actor_system is gone (abstract_broker::enqueue reaches for its middleman).
  std::unique_ptr<provider_pools> make_loop_client(caf::io::broker* self);

  // Blocking bridges: the same calls as a loop client makes, waited for on the calling thread.
  // For tests and tools; never call them on a loop thread.
  login_start_result start_login_blocking(const std::string& slug, const authorize_request& request);
  identity_result fetch_identity_blocking(const std::string& slug, const code_exchange& exchange);
  std::vector<pool_status> status_blocking();

  // Fault injection for tests and drills: kills one worker of a provider's pool, or the pool's
  // supervisor itself (with its workers; the root supervisor restarts it).
  void kill_worker(const std::string& slug, int index);
  void kill_supervisor(const std::string& slug);

  // Stops the pools: calls they still hold, and calls made from now on, answer shutting_down.
  // Returns once the root and the provider supervisors have ended, so no pool actor sends to a
  // broker any more (workers blocked in an IdP call may still run; the destructor waits for
  // them). Stop the gateway loops' brokers (and their in-flight requests) first.
  void shutdown();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
