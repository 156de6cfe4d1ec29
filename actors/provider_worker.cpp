#include "actors/provider_worker.hpp"

#include "actors/actor_headers.hpp"
#include "actors/pool_failures.hpp"
#include "core/log.hpp"
#include "providers/claim_validation.hpp"

namespace sg {

// Spawned detached by its supervisor, so blocking network calls never occupy the scheduler
// threads that other actors need.
provider_worker_actor::behavior_type provider_worker(provider_worker_actor::pointer self, std::shared_ptr<provider> idp) {
  // A provider_error is a normal failed call; anything else is a crash: the caller gets a
  // clear answer, then the worker exits abnormally so that its supervisor replaces it.
  auto crash = [self](const char* reason) {
    log_event(log_level::error, "worker_crash", {{"reason", reason}});
    self->quit(caf::make_error(caf::sec::runtime_error, reason));
    return pool_failure<identity_result>(pool_error::worker_crashed, pool_text::worker_crashed);
  };
  return {
      [=](atoms::exchange, const code_exchange& exchange) -> identity_result {
        try {
          identity_result result;
          // Every identity crosses the claim validation on its way out of the provider.
          result.identity = validated_identity(idp->fetch_identity(exchange), idp->descriptor());
          return result;
        } catch (const provider_error& e) {
          return pool_failure<identity_result>(pool_error_of(e.what_kind), e.what());
        } catch (const std::exception& e) {
          return crash(e.what());
        } catch (...) {
          return crash("non-standard exception");
        }
      },
  };
}

}  // namespace sg
