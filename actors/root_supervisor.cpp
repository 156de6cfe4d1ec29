#include "actors/root_supervisor.hpp"

#include <deque>
#include <map>

#include "actors/actor_headers.hpp"
#include "actors/provider_pool.hpp"
#include "core/log.hpp"

namespace sg {
namespace {

struct supervised_pool {
  std::shared_ptr<provider> idp;
  provider_supervisor_actor handle;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  std::chrono::milliseconds backoff{0};
};

struct root_state {
  std::shared_ptr<supervisor_directory> directory;
  pool_settings settings;
  std::map<std::string, supervised_pool> pools;
  static inline const char* name = "root_supervisor";

  // Provider supervisors are monitored, not linked: take them down with the root (this is how
  // the runtime stops the pools).
  ~root_state() {
    for (auto& [slug, pool] : pools)
      if (pool.handle) caf::anon_send_exit(pool.handle, caf::exit_reason::user_shutdown);
  }
};

using root_pointer = root_supervisor_actor::stateful_pointer<root_state>;

void restart_pool(root_pointer self, const std::string& slug) {
  auto& st = self->state;
  auto& pool = st.pools.at(slug);
  pool.handle = spawn_provider_supervisor(self->system(), pool.idp, st.settings, st.directory);
  self->monitor(pool.handle);
  st.directory->set_current(slug, pool.handle, true);
  log_event(log_level::info, "provider_supervisor_restarted", {{"provider", slug}});
}

void on_pool_down(root_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  for (auto& [slug, pool] : st.pools) {
    if (!pool.handle || pool.handle.address() != down.source) continue;
    pool.handle = nullptr;
    // Callers fail fast (restarting) from here until the new supervisor is published.
    st.directory->clear_current(slug);
    auto now = std::chrono::steady_clock::now();
    pool.recent_restarts.push_back(now);
    while (!pool.recent_restarts.empty() && now - pool.recent_restarts.front() > st.settings.restart_window)
      pool.recent_restarts.pop_front();
    log_event(log_level::warning, "provider_supervisor_down",
              {{"provider", slug}, {"reason", caf::to_string(down.reason)},
               {"recent_restarts", pool.recent_restarts.size()}});
    if (static_cast<int>(pool.recent_restarts.size()) <= st.settings.max_restarts) {
      pool.backoff = std::chrono::milliseconds{0};
      restart_pool(self, slug);
      return;
    }
    pool.backoff = pool.backoff.count() == 0 ? st.settings.backoff_initial
                                             : std::min(pool.backoff * 2, st.settings.backoff_max);
    log_event(log_level::error, "provider_supervisor_backoff", {{"provider", slug}, {"backoff_ms", pool.backoff.count()}});
    self->delayed_send(self, pool.backoff, atoms::respawn::value, slug);
    return;
  }
}

root_supervisor_actor::behavior_type root_supervisor(root_pointer self, std::shared_ptr<supervisor_directory> directory,
                                                     pool_settings settings) {
  auto& st = self->state;
  st.directory = std::move(directory);
  st.settings = settings;
  // The first supervisors were started before the root (see spawn_root_supervisor).
  // Monitoring one that is already gone still yields its DOWN, so no death is missed.
  for (auto& e : st.directory->all()) {
    auto& pool = st.pools[e.idp->slug()];
    pool.idp = e.idp;
    pool.handle = e.current;
    if (pool.handle) self->monitor(pool.handle);
  }
  self->set_down_handler([self](caf::down_msg& down) { on_pool_down(self, down); });
  return {
      [=](atoms::respawn, const std::string& slug) {
        auto it = self->state.pools.find(slug);
        if (it != self->state.pools.end() && !it->second.handle) restart_pool(self, slug);
      },
  };
}

}  // namespace

root_supervisor_actor spawn_root_supervisor(caf::actor_system& system, std::shared_ptr<supervisor_directory> directory,
                                            pool_settings settings) {
  // Started here, on the caller's thread, rather than in the root's (asynchronous) start: the
  // directory is complete when the runtime's constructor returns, so no first call finds a
  // provider without a supervisor.
  for (auto& e : directory->all())
    directory->set_current(e.idp->slug(), spawn_provider_supervisor(system, e.idp, settings, directory), false);
  return system.spawn(root_supervisor, std::move(directory), settings);
}

}  // namespace sg
