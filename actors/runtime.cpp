#include "actors/runtime.hpp"

#include <future>

#include "actors/actor_headers.hpp"
#include "actors/actor_pool_client.hpp"
#include "actors/loop_pool_client.hpp"
#include "actors/root_supervisor.hpp"

namespace sg {
namespace {

caf::actor_system_config make_config() {
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // The sharing scheduler blocks idle threads on a condition variable; CAF 0.17's default
  // work-stealing one polls (sleeping 50 us between polls), which under a login load cost
  // hundreds of thousands of context switches a second on two cores.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

using bridge_client = actor_pool_client<caf::event_based_actor>;

// Runs one provider_pools call from a short-lived actor and waits for its callback: the same
// code path as a gateway loop's calls, only the waiting differs.
template <class Result, class Call>
Result wait_for(caf::actor_system& system, std::shared_ptr<const supervisor_directory> directory,
                bridge_client::bounds bounds, Call call) {
  auto answered = std::make_shared<std::promise<Result>>();
  auto answer = answered->get_future();
  // The promise goes in as a spawn argument: CAF 0.17's spawn of a function without arguments
  // dereferences a null tuple pointer (UBSan reports it).
  system.spawn(
      [directory, bounds, call](caf::event_based_actor* self, std::shared_ptr<std::promise<Result>> answered) {
        auto client = std::make_shared<bridge_client>(self, directory, bounds);
        // The callback keeps the client alive until it has run; then the actor has nothing left.
        call(*client, [self, client, answered](Result result) {
          answered->set_value(std::move(result));
          self->quit();
        });
      },
      answered);
  return answer.get();
}

}  // namespace

struct actor_runtime::impl {
  caf::actor_system_config cfg = make_config();
  caf::actor_system system{cfg};
  pool_settings settings;
  std::shared_ptr<supervisor_directory> directory;
  root_supervisor_actor root;
  bool stopped = false;

  // The pool answers within its own timeouts; this bound only guards against a lost reply.
  bridge_client::bounds bounds() const { return {settings.call_timeout + std::chrono::seconds(5), std::chrono::seconds(2)}; }
};

actor_runtime::actor_runtime(std::vector<std::shared_ptr<provider>> providers, pool_settings settings)
    : impl_(std::make_unique<impl>()) {
  impl_->settings = settings;
  impl_->directory = std::make_shared<supervisor_directory>(providers);
  impl_->root = spawn_root_supervisor(impl_->system, impl_->directory, settings);
}

actor_runtime::~actor_runtime() { shutdown(); }

std::unique_ptr<provider_pools> actor_runtime::make_loop_client(caf::io::broker* self) {
  return make_loop_pool_client(self, impl_->directory, impl_->bounds().call);
}

login_start_result actor_runtime::start_login_blocking(const std::string& slug, const authorize_request& request) {
  return wait_for<login_start_result>(impl_->system, impl_->directory, impl_->bounds(), [&](provider_pools& pools, auto done) {
    pools.start_login(slug, request, std::move(done));
  });
}

identity_result actor_runtime::fetch_identity_blocking(const std::string& slug, const code_exchange& exchange) {
  return wait_for<identity_result>(impl_->system, impl_->directory, impl_->bounds(), [&](provider_pools& pools, auto done) {
    pools.fetch_identity(slug, exchange, std::move(done));
  });
}

std::vector<pool_status> actor_runtime::status_blocking() {
  return wait_for<std::vector<pool_status>>(impl_->system, impl_->directory, impl_->bounds(),
                                            [](provider_pools& pools, auto done) { pools.status(std::move(done)); });
}

void actor_runtime::kill_worker(const std::string& slug, int index) {
  auto entry = impl_->directory->find(slug);
  if (entry && entry->current) caf::anon_send(entry->current, atoms::kill_worker::value, index);
}

void actor_runtime::kill_supervisor(const std::string& slug) {
  auto entry = impl_->directory->find(slug);
  if (entry && entry->current) caf::anon_send_exit(entry->current, caf::exit_reason::kill);
}

void actor_runtime::shutdown() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->directory->mark_stopping();
  // The root takes its provider supervisors down with it, and they their workers. Waiting for
  // the root and the supervisors (not the workers, which may sit in an IdP call) means every
  // call they held has been answered when this returns (CAF runs the functors wait_for attaches
  // after the actor's state, whose destructor answers them, is gone): from then on no pool
  // actor sends anything to a gateway loop's broker.
  caf::scoped_actor self{impl_->system};
  std::vector<provider_supervisor_actor> supervisors;
  for (auto& entry : impl_->directory->all())
    if (entry.current) supervisors.push_back(entry.current);
  self->send_exit(impl_->root, caf::exit_reason::user_shutdown);
  self->wait_for(impl_->root);
  self->wait_for(supervisors);
}

}  // namespace sg
