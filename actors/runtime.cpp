#include "actors/runtime.hpp"

#include <map>
#include <mutex>
#include <thread>

#include "actors/provider_pool.hpp"
#include "core/log.hpp"

namespace sg {
namespace {
using stop_atom = caf::atom_constant<caf::atom("sgstop")>;

// The HTTP server's accept loop and how to stop it. Owned by the gateway actor's exit
// functor rather than its state: CAF destroys actor state before running attached functors.
struct server_runner {
  std::thread thread;
  std::function<void()> stop;
  std::once_flag once;
  void stop_and_join() {
    std::call_once(once, [this] {
      stop();
      if (thread.joinable()) thread.join();
    });
  }
};

// Owns the HTTP server: starts its accept loop, and on shutdown stops it and waits for the
// in-flight requests to finish.
caf::behavior gateway_actor(caf::event_based_actor* self, std::function<void()> serve, std::function<void()> stop) {
  auto runner = std::make_shared<server_runner>();
  runner->stop = std::move(stop);
  runner->thread = std::thread(std::move(serve));
  self->attach_functor([runner] { runner->stop_and_join(); });  // if killed instead of stopped
  // Drain here, then answer: the caller must not stop the provider pools while requests that
  // still need them are in flight. (CAF sends DOWN to monitors before it runs attached functors,
  // so waiting for the gateway's DOWN alone would be too early.) The actor is detached: blocking is fine.
  return {[=](stop_atom) {
    runner->stop_and_join();
    self->quit();
    return caf::atom("drained");
  }};
}

caf::actor_system_config make_config() {
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  return cfg;
}
}  // namespace

struct actor_runtime::impl {
  caf::actor_system_config cfg = make_config();
  caf::actor_system system{cfg};
  std::map<std::string, caf::actor> pools;
  caf::actor gateway;
  pool_settings settings;
  bool stopped = false;

  pool_call_result call(const std::string& slug, caf::message request) {
    auto it = pools.find(slug);
    if (it == pools.end()) throw pool_unavailable("unknown provider");
    pool_call_result result;
    caf::scoped_actor self{system};
    // The pool answers within its own timeouts; this bound only guards against a lost reply.
    auto bound = settings.call_timeout + std::chrono::seconds(5);
    self->request(it->second, caf::duration{bound}, std::move(request))
        .receive([&](pool_call_result& r) { result = std::move(r); },
                 [&](caf::error& err) {
                   result.pool_failure = true;
                   result.message = "the provider pool did not answer: " + caf::to_string(err);
                 });
    return result;
  }
};

actor_runtime::actor_runtime(std::vector<std::shared_ptr<provider>> providers, pool_settings settings)
    : impl_(std::make_unique<impl>()) {
  impl_->settings = settings;
  for (auto& p : providers) {
    auto slug = p->slug();
    impl_->pools.emplace(slug, spawn_provider_pool(impl_->system, std::move(p), settings));
  }
}

actor_runtime::~actor_runtime() { shutdown(); }

namespace {
void raise_failure(const pool_call_result& result) {
  if (result.worker_crashed || result.pool_failure) throw pool_unavailable(result.message);
  throw provider_error(result.error_kind, result.message);
}
}  // namespace

std::string actor_runtime::authorize_url(const std::string& slug, const authorize_request& request) {
  auto result = impl_->call(slug, caf::make_message(atoms::authorize::value, request));
  if (!result.ok) raise_failure(result);
  return result.url;
}

external_identity actor_runtime::fetch_identity(const std::string& slug, const code_exchange& exchange) {
  auto result = impl_->call(slug, caf::make_message(atoms::exchange::value, exchange));
  if (!result.ok) raise_failure(result);
  return result.identity;
}

std::vector<pool_status> actor_runtime::status() {
  std::vector<pool_status> out;
  caf::scoped_actor self{impl_->system};
  for (auto& [slug, pool] : impl_->pools) {
    pool_status status;
    status.slug = slug;
    status.state = "unresponsive";
    self->request(pool, caf::duration{std::chrono::seconds(2)}, atoms::status::value)
        .receive([&](pool_status& s) { status = std::move(s); }, [&](caf::error&) {});
    out.push_back(std::move(status));
  }
  return out;
}

void actor_runtime::kill_worker(const std::string& slug, int index) {
  auto it = impl_->pools.find(slug);
  if (it != impl_->pools.end()) caf::anon_send(it->second, atoms::kill_worker::value, index);
}

void actor_runtime::start_gateway(std::function<void()> serve, std::function<void()> stop) {
  impl_->gateway = impl_->system.spawn<caf::detached>(gateway_actor, std::move(serve), std::move(stop));
}

void actor_runtime::shutdown() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  caf::scoped_actor self{impl_->system};
  if (impl_->gateway) {
    // The gateway answers once the server has drained; only then do the pools go.
    self->request(impl_->gateway, caf::infinite, stop_atom::value).receive([](caf::atom_value) {}, [](caf::error&) {});
  }
  for (auto& [slug, pool] : impl_->pools) self->send_exit(pool, caf::exit_reason::user_shutdown);
}

}  // namespace sg
