#include "actors/provider_pool.hpp"

#include <deque>
#include <map>

#include "actors/actor_headers.hpp"
#include "actors/circuit_breaker.hpp"
#include "actors/pool_failures.hpp"
#include "actors/provider_worker.hpp"
#include "core/log.hpp"

namespace sg {
namespace {

struct pending_call {
  code_exchange exchange;
  caf::typed_response_promise<identity_result> promise;
  int attempts = 0;
};

// An IdP that is down, slow or answering garbage; not a user's bad or replayed code, and not
// the pool's own trouble.
bool idp_failed(const identity_result& result) {
  return result.error == pool_error::bad_response || result.error == pool_error::idp_unavailable;
}

struct worker_slot {
  provider_worker_actor handle;
  bool busy = false;
  bool down = false;  // known dead (a call bounced), DOWN not processed yet: send it nothing
};

struct supervisor_state {
  std::shared_ptr<provider> idp;
  pool_settings settings;
  std::shared_ptr<const supervisor_directory> directory;
  std::vector<worker_slot> slots;
  std::deque<pending_call> queue;
  // Calls a worker is running, by call id: answered here if the supervisor dies first.
  std::map<std::uint64_t, pending_call> in_flight;
  std::uint64_t next_call_id = 0;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  std::chrono::milliseconds backoff{0};
  bool in_backoff = false;
  std::uint64_t restarts = 0;
  std::uint64_t retries = 0;
  circuit_breaker breaker;
  static inline const char* name = "provider_supervisor";

  // Workers are monitored, not linked: take them down with the supervisor. (CAF destroys
  // actor state before it runs attached functors, so this cannot be an attach_functor.)
  // Every call still held gets an answer: a dropped promise sends nothing in CAF 0.17, and
  // its caller would otherwise wait out its whole timeout.
  ~supervisor_state() {
    for (auto& slot : slots)
      if (slot.handle) caf::anon_send_exit(slot.handle, caf::exit_reason::user_shutdown);
    auto answer = directory && directory->stopping()
                      ? pool_failure<identity_result>(pool_error::shutting_down, pool_text::shutting_down)
                      : pool_failure<identity_result>(pool_error::restarting, pool_text::supervisor_restarting);
    for (auto& call : queue) call.promise.deliver(answer);
    for (auto& [id, call] : in_flight) call.promise.deliver(answer);
  }
};

using supervisor_pointer = provider_supervisor_actor::stateful_pointer<supervisor_state>;

bool has_live_worker(const supervisor_state& st) {
  for (const auto& slot : st.slots)
    if (slot.handle) return true;
  return false;
}

void dispatch(supervisor_pointer self);

void spawn_worker(supervisor_pointer self, worker_slot& slot) {
  slot.handle = self->spawn<caf::detached + caf::monitored>(provider_worker, self->state.idp);
  slot.busy = false;
  slot.down = false;
}

worker_slot* slot_of(supervisor_pointer self, const provider_worker_actor& worker) {
  for (auto& slot : self->state.slots)
    if (slot.handle == worker) return &slot;
  return nullptr;
}

// Takes a call back from in_flight; none when the supervisor already answered it.
std::optional<pending_call> take_in_flight(supervisor_pointer self, std::uint64_t id) {
  auto it = self->state.in_flight.find(id);
  if (it == self->state.in_flight.end()) return std::nullopt;
  auto call = std::move(it->second);
  self->state.in_flight.erase(it);
  return call;
}

void send_to_worker(supervisor_pointer self, worker_slot& slot, pending_call call) {
  auto& st = self->state;
  slot.busy = true;
  auto worker = slot.handle;
  auto id = st.next_call_id++;
  auto exchange = call.exchange;
  st.in_flight.emplace(id, std::move(call));
  auto finish = [self, worker] {
    if (auto* s = slot_of(self, worker)) s->busy = false;
    dispatch(self);
  };
  self->request(worker, caf::duration{st.settings.call_timeout}, atoms::exchange::value, std::move(exchange))
      .then(
          [self, id, finish](identity_result& result) {
            auto call = take_in_flight(self, id);
            if (!call) return;
            self->state.breaker.record(idp_failed(result), self->state.settings.breaker_threshold);
            call->promise.deliver(std::move(result));
            finish();
          },
          [self, id, worker, finish](caf::error& err) {
            auto call = take_in_flight(self, id);
            if (!call) return;
            if (err == caf::sec::request_receiver_down && call->attempts < 3) {
              // The worker died before taking the call (it is being restarted): retry, not lose it.
              ++call->attempts;
              ++self->state.retries;
              if (auto* s = slot_of(self, worker)) s->down = true;
              self->state.queue.push_front(std::move(*call));
            } else if (err == caf::sec::request_timeout) {
              self->state.breaker.record(true, self->state.settings.breaker_threshold);
              call->promise.deliver(pool_failure<identity_result>(pool_error::timeout, pool_text::idp_timeout));
              // The worker is stuck in a call past every timeout: replace it.
              if (auto* s = slot_of(self, worker)) {
                self->demonitor(worker.address());
                caf::anon_send_exit(worker, caf::exit_reason::kill);
                spawn_worker(self, *s);
              }
            } else {
              call->promise.deliver(pool_failure<identity_result>(pool_error::worker_crashed, pool_text::worker_lost));
            }
            finish();
          });
}

void dispatch(supervisor_pointer self) {
  auto& st = self->state;
  for (auto& slot : st.slots) {
    if (st.queue.empty()) break;
    if (!slot.handle || slot.busy || slot.down) continue;
    auto call = std::move(st.queue.front());
    st.queue.pop_front();
    send_to_worker(self, slot, std::move(call));
  }
}

void respawn_missing(supervisor_pointer self) {
  for (auto& slot : self->state.slots)
    if (!slot.handle) spawn_worker(self, slot);
  dispatch(self);
}

void on_worker_down(supervisor_pointer self, const caf::down_msg& down) {
  auto& st = self->state;
  for (auto& slot : st.slots) {
    if (!slot.handle || slot.handle.address() != down.source) continue;
    slot.handle = nullptr;
    slot.busy = false;
  }
  auto now = std::chrono::steady_clock::now();
  ++st.restarts;
  st.recent_restarts.push_back(now);
  while (!st.recent_restarts.empty() && now - st.recent_restarts.front() > st.settings.restart_window)
    st.recent_restarts.pop_front();
  log_event(log_level::warning, "worker_down",
            {{"provider", st.idp->slug()}, {"reason", caf::to_string(down.reason)},
             {"recent_restarts", st.recent_restarts.size()}});
  if (st.in_backoff) return;
  if (static_cast<int>(st.recent_restarts.size()) <= st.settings.max_restarts) {
    st.backoff = std::chrono::milliseconds{0};
    respawn_missing(self);
    return;
  }
  // Restart intensity exceeded: stop restarting for a while; the pool reports not ready.
  st.in_backoff = true;
  st.backoff = st.backoff.count() == 0 ? st.settings.backoff_initial
                                       : std::min(st.backoff * 2, st.settings.backoff_max);
  log_event(log_level::error, "pool_backoff", {{"provider", st.idp->slug()}, {"backoff_ms", st.backoff.count()}});
  self->delayed_send(self, st.backoff, atoms::respawn::value);
  // Calls waiting for a worker get a clear answer instead of waiting out the backoff.
  if (!has_live_worker(st)) {
    for (auto& call : st.queue)
      call.promise.deliver(pool_failure<identity_result>(pool_error::restarting, pool_text::backoff));
    st.queue.clear();
  }
}

pool_status make_status(supervisor_pointer self) {
  auto& st = self->state;
  pool_status status;
  status.slug = st.idp->slug();
  status.idp_ready = st.idp->ready();
  status.workers_target = static_cast<int>(st.slots.size());
  for (auto& slot : st.slots) {
    if (!slot.handle) continue;
    ++status.workers_alive;
    if (slot.busy) ++status.busy;
    status.worker_ids.push_back(slot.handle.id());
  }
  status.queued = static_cast<int>(st.queue.size());
  status.restarts = st.restarts;
  status.retries = st.retries;
  status.state = st.in_backoff ? "backoff" : "running";
  status.breaker = st.breaker.name();
  status.breaker_opened = st.breaker.opened;
  status.breaker_rejected = st.breaker.rejected;
  status.ready = !st.in_backoff && status.workers_alive > 0;
  return status;
}

// Whether a login may start, from the supervisor's state alone (no worker is involved): the
// same checks, in the same order and with the same texts, as when login starts were queued
// for a worker.
login_start_result admission(supervisor_pointer self) {
  auto& st = self->state;
  if (!st.breaker.admits_login_start(st.settings.breaker_cooldown))
    return pool_failure<login_start_result>(pool_error::circuit_open, pool_text::circuit_open);
  if (static_cast<int>(st.queue.size()) >= st.settings.queue_limit)
    return pool_failure<login_start_result>(pool_error::busy, pool_text::busy);
  if (st.in_backoff && !has_live_worker(st))
    return pool_failure<login_start_result>(pool_error::restarting, pool_text::backoff);
  return {};
}

caf::typed_response_promise<identity_result> enqueue_exchange(supervisor_pointer self, code_exchange exchange) {
  auto promise = self->make_response_promise<identity_result>();
  auto& st = self->state;
  if (!st.breaker.admit(st.settings.breaker_cooldown)) {
    promise.deliver(pool_failure<identity_result>(pool_error::circuit_open, pool_text::circuit_open));
  } else if (static_cast<int>(st.queue.size()) >= st.settings.queue_limit) {
    promise.deliver(pool_failure<identity_result>(pool_error::busy, pool_text::busy));
  } else if (st.in_backoff && !has_live_worker(st)) {
    promise.deliver(pool_failure<identity_result>(pool_error::restarting, pool_text::backoff));
  } else {
    st.queue.push_back({std::move(exchange), promise, 0});
    dispatch(self);
  }
  return promise;
}

provider_supervisor_actor::behavior_type provider_supervisor(supervisor_pointer self, std::shared_ptr<provider> idp,
                                                             pool_settings settings,
                                                             std::shared_ptr<const supervisor_directory> directory) {
  auto& st = self->state;
  st.idp = std::move(idp);
  st.settings = settings;
  st.directory = std::move(directory);
  st.slots.resize(static_cast<std::size_t>(std::max(1, settings.workers)));
  for (auto& slot : st.slots) spawn_worker(self, slot);
  self->set_down_handler([self](caf::down_msg& down) { on_worker_down(self, down); });
  return {
      [=](atoms::admit) { return admission(self); },
      [=](atoms::exchange, code_exchange& exchange) { return enqueue_exchange(self, std::move(exchange)); },
      [=](atoms::status) { return make_status(self); },
      [=](atoms::kill_worker, int index) {
        auto& slots = self->state.slots;
        if (index >= 0 && index < static_cast<int>(slots.size()) && slots[index].handle)
          caf::anon_send_exit(slots[index].handle, caf::exit_reason::kill);
      },
      [=](atoms::respawn) {
        self->state.in_backoff = false;
        log_event(log_level::info, "pool_respawn", {{"provider", self->state.idp->slug()}});
        respawn_missing(self);
      },
  };
}

}  // namespace

provider_supervisor_actor spawn_provider_supervisor(caf::actor_system& system, std::shared_ptr<provider> idp,
                                                    pool_settings settings,
                                                    std::shared_ptr<const supervisor_directory> directory) {
  return system.spawn(provider_supervisor, std::move(idp), settings, std::move(directory));
}

}  // namespace sg
