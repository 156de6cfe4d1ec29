#include "actors/provider_pool.hpp"

#include <deque>

#include "core/log.hpp"
#include "providers/claim_validation.hpp"

namespace sg {
namespace {

// A worker runs one IdP call at a time on its own thread (spawned detached), so blocking
// network calls never occupy the scheduler threads that other actors need.
caf::behavior provider_worker(caf::event_based_actor* self, std::shared_ptr<provider> idp) {
  // Runs `work`; a provider_error is a normal failed call; anything else is a crash: the
  // caller gets a clear answer, then the worker exits abnormally so that its supervisor
  // replaces it with a fresh one.
  auto guarded = [self](auto work) {
    pool_call_result result;
    try {
      work(result);
      result.ok = true;
    } catch (const provider_error& e) {
      result.error_kind = e.what_kind;
      result.message = e.what();
    } catch (const std::exception& e) {
      result.worker_crashed = true;
      result.message = "the provider worker failed unexpectedly";
      log_event(log_level::error, "worker_crash", {{"reason", e.what()}});
      self->quit(caf::make_error(caf::sec::runtime_error, e.what()));
    } catch (...) {
      result.worker_crashed = true;
      result.message = "the provider worker failed unexpectedly";
      log_event(log_level::error, "worker_crash", {{"reason", "non-standard exception"}});
      self->quit(caf::make_error(caf::sec::runtime_error));
    }
    return result;
  };
  return {
      [=](atoms::authorize, const authorize_request& request) {
        return guarded([&](pool_call_result& r) { r.url = idp->authorize_url(request); });
      },
      [=](atoms::exchange, const code_exchange& exchange) {
        // Every identity crosses the claim validation on its way out of the provider.
        return guarded([&](pool_call_result& r) { r.identity = validated_identity(idp->fetch_identity(exchange), idp->descriptor()); });
      },
  };
}

struct pending_call {
  caf::message request;
  caf::typed_response_promise<pool_call_result> promise;
  int attempts = 0;
  bool calls_idp = false;  // a code exchange: its outcome feeds the circuit breaker
};

// An IdP that is down, slow or answering garbage; not a user's bad or replayed code.
bool idp_failed(const pool_call_result& result) {
  return !result.ok && !result.pool_failure && !result.worker_crashed &&
         result.error_kind != provider_error::kind::rejected;
}

struct worker_slot {
  caf::actor handle;
  bool busy = false;
  bool down = false;  // known dead (a call bounced), DOWN not processed yet: send it nothing
};

// Opens after repeated IdP failures so that a dead IdP costs a user nothing but a fast 503,
// and closes by itself when a probe call succeeds.
struct circuit_breaker {
  enum class phase { closed, open, half_open };
  phase state = phase::closed;
  int consecutive_failures = 0;
  std::chrono::steady_clock::time_point opened_at{};
  bool probe_in_flight = false;
  std::uint64_t opened = 0;
  std::uint64_t rejected = 0;

  // May a call go to the IdP now? Moves open to half-open after the cooldown (one probe).
  bool admit(std::chrono::milliseconds cooldown) {
    if (state == phase::closed) return true;
    if (state == phase::open && std::chrono::steady_clock::now() - opened_at >= cooldown) {
      state = phase::half_open;
      probe_in_flight = false;
    }
    if (state == phase::half_open && !probe_in_flight) {
      probe_in_flight = true;
      return true;
    }
    ++rejected;
    return false;
  }
  void record(bool idp_failed, int threshold) {
    if (!idp_failed) {
      state = phase::closed;
      consecutive_failures = 0;
      probe_in_flight = false;
      return;
    }
    ++consecutive_failures;
    if (state == phase::half_open || consecutive_failures >= threshold) {
      if (state != phase::open) ++opened;
      state = phase::open;
      opened_at = std::chrono::steady_clock::now();
      probe_in_flight = false;
    }
  }
  const char* name() const {
    return state == phase::closed ? "closed" : state == phase::open ? "open" : "half-open";
  }
};

struct supervisor_state {
  std::shared_ptr<provider> idp;
  pool_settings settings;
  std::vector<worker_slot> slots;
  std::deque<pending_call> queue;
  std::deque<std::chrono::steady_clock::time_point> recent_restarts;
  std::chrono::milliseconds backoff{0};
  bool in_backoff = false;
  std::uint64_t restarts = 0;
  std::uint64_t retries = 0;
  circuit_breaker breaker;
  static inline const char* name = "provider_supervisor";

  // Workers are monitored, not linked: take them down with the supervisor. (CAF destroys
  // actor state before it runs attached functors, so this cannot be an attach_functor.)
  // Calls still queued get an answer: a dropped promise sends nothing in CAF 0.17, and their
  // callers would otherwise wait out their whole timeout.
  ~supervisor_state() {
    for (auto& slot : slots)
      if (slot.handle) caf::anon_send_exit(slot.handle, caf::exit_reason::user_shutdown);
    for (auto& call : queue) {
      pool_call_result result;
      result.pool_failure = true;
      result.message = "the service is shutting down";
      call.promise.deliver(std::move(result));
    }
  }
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

bool has_live_worker(const supervisor_state& st) {
  for (const auto& slot : st.slots)
    if (slot.handle) return true;
  return false;
}

void dispatch(supervisor_actor* self);

void spawn_worker(supervisor_actor* self, worker_slot& slot) {
  slot.handle = self->spawn<caf::detached + caf::monitored>(provider_worker, self->state.idp);
  slot.busy = false;
  slot.down = false;
}

pool_call_result failure(const std::string& message) {
  pool_call_result result;
  result.error_kind = provider_error::kind::unavailable;
  result.pool_failure = true;
  result.message = message;
  return result;
}

void send_to_worker(supervisor_actor* self, std::size_t index, pending_call call) {
  auto& slot = self->state.slots[index];
  slot.busy = true;
  auto worker = slot.handle;
  auto finish = [self, worker] {
    for (auto& s : self->state.slots)
      if (s.handle == worker) s.busy = false;
    dispatch(self);
  };
  self->request(worker, caf::duration{self->state.settings.call_timeout}, call.request)
      .then(
          [self, call, finish](pool_call_result& result) mutable {
            if (call.calls_idp) self->state.breaker.record(idp_failed(result), self->state.settings.breaker_threshold);
            call.promise.deliver(std::move(result));
            finish();
          },
          [self, call, worker, finish](caf::error& err) mutable {
            if (err == caf::sec::request_receiver_down && call.attempts < 3) {
              // The worker died before taking the call (it is being restarted): retry, not lose it.
              ++call.attempts;
              ++self->state.retries;
              for (auto& s : self->state.slots)
                if (s.handle == worker) s.down = true;
              self->state.queue.push_front(std::move(call));
            } else if (err == caf::sec::request_timeout) {
              if (call.calls_idp) self->state.breaker.record(true, self->state.settings.breaker_threshold);
              call.promise.deliver(failure("the identity provider did not answer in time"));
              // The worker is stuck in a call past every timeout: replace it.
              for (auto& s : self->state.slots)
                if (s.handle == worker) {
                  self->demonitor(worker);
                  caf::anon_send_exit(worker, caf::exit_reason::kill);
                  spawn_worker(self, s);
                }
            } else {
              call.promise.deliver(failure("the provider pool could not handle the request"));
            }
            finish();
          });
}

void dispatch(supervisor_actor* self) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.slots.size() && !st.queue.empty(); ++i) {
    auto& slot = st.slots[i];
    if (!slot.handle || slot.busy || slot.down) continue;
    auto call = std::move(st.queue.front());
    st.queue.pop_front();
    send_to_worker(self, i, std::move(call));
  }
}

void respawn_missing(supervisor_actor* self) {
  for (auto& slot : self->state.slots)
    if (!slot.handle) spawn_worker(self, slot);
  dispatch(self);
}

void on_worker_down(supervisor_actor* self, const caf::down_msg& down) {
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
    for (auto& call : st.queue) call.promise.deliver(failure("the provider is restarting after repeated failures"));
    st.queue.clear();
  }
}

pool_status make_status(supervisor_actor* self) {
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

caf::behavior provider_supervisor(supervisor_actor* self, std::shared_ptr<provider> idp, pool_settings settings) {
  auto& st = self->state;
  st.idp = std::move(idp);
  st.settings = settings;
  st.slots.resize(static_cast<std::size_t>(std::max(1, settings.workers)));
  for (auto& slot : st.slots) spawn_worker(self, slot);
  self->set_down_handler([self](caf::down_msg& down) { on_worker_down(self, down); });
  auto enqueue = [self](caf::message request, bool calls_idp) -> caf::typed_response_promise<pool_call_result> {
    auto promise = self->make_response_promise<pool_call_result>();
    auto& state = self->state;
    // Login starts are refused too while the breaker is open: no user is sent to a dead IdP.
    bool admitted = calls_idp ? state.breaker.admit(state.settings.breaker_cooldown)
                              : state.breaker.state == circuit_breaker::phase::closed ||
                                    std::chrono::steady_clock::now() - state.breaker.opened_at >= state.settings.breaker_cooldown;
    if (!admitted) {
      promise.deliver(failure("the identity provider is failing; sign-in with it is paused for a moment (circuit open)"));
      return promise;
    }
    if (static_cast<int>(state.queue.size()) >= state.settings.queue_limit) {
      promise.deliver(failure("too many logins in progress for this provider; try again shortly"));
      return promise;
    }
    if (state.in_backoff && !has_live_worker(state)) {
      promise.deliver(failure("the provider is restarting after repeated failures"));
      return promise;
    }
    state.queue.push_back({std::move(request), promise, 0, calls_idp});
    dispatch(self);
    return promise;
  };
  return {
      [=](atoms::authorize a, authorize_request& request) {
        return enqueue(caf::make_message(a, std::move(request)), false);
      },
      [=](atoms::exchange a, code_exchange& exchange) {
        return enqueue(caf::make_message(a, std::move(exchange)), true);
      },
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

caf::actor spawn_provider_pool(caf::actor_system& system, std::shared_ptr<provider> provider,
                               pool_settings settings) {
  return system.spawn(provider_supervisor, std::move(provider), settings);
}

}  // namespace sg
