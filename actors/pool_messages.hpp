#pragma once
// The typed messages between the gateway loops, the root supervisor, the provider supervisors
// and their workers. Every type that travels in a message has an `inspect` (CAF 0.17's way to
// make it printable and serializable), so no type needs the unsafe-message escape hatch; each is
// found by argument-dependent lookup in namespace sg.
#include <string>

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/pool_client.hpp"
#include "actors/pool_types.hpp"

namespace sg {
namespace atoms {
using admit = caf::atom_constant<caf::atom("sgadmit")>;
using exchange = caf::atom_constant<caf::atom("sgexch")>;
using status = caf::atom_constant<caf::atom("sgstatus")>;
using respawn = caf::atom_constant<caf::atom("sgrespawn")>;
using kill_worker = caf::atom_constant<caf::atom("sgkill")>;
}  // namespace atoms

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, authorize_request& x) {
  return f(caf::meta::type_name("authorize_request"), x.state, x.code_challenge, x.nonce, x.redirect_uri,
           x.extra_scopes, x.extra_params);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, code_exchange& x) {
  return f(caf::meta::type_name("code_exchange"), x.code, x.code_verifier, x.redirect_uri, x.nonce,
           x.has_response_iss, x.response_iss);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, external_identity& x) {
  return f(caf::meta::type_name("external_identity"), x.provider, x.subject, x.preferred_username, x.email,
           x.email_verified, x.email_trusted, x.first_name, x.last_name);
}

// pool_error is an enum: CAF serializes it as its underlying integer and prints it with
// sg::to_string(pool_error) (actors/pool_client.hpp).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, identity_result& x) {
  return f(caf::meta::type_name("identity_result"), x.error, x.message, x.identity);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_start_result& x) {
  return f(caf::meta::type_name("login_start_result"), x.error, x.message, x.url);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pool_status& x) {
  return f(caf::meta::type_name("pool_status"), x.slug, x.ready, x.idp_ready, x.state, x.workers_alive,
           x.workers_target, x.busy, x.queued, x.restarts, x.supervisor_restarts, x.retries, x.breaker,
           x.breaker_opened, x.breaker_rejected, x.worker_ids);
}

// A provider's supervisor, as the gateway loops and the runtime see it.
//  - admit: may a login start now? Answers from the supervisor's own state (breaker, restart
//    backoff, queue) without a worker; login_start_result carries no URL here: the caller
//    builds it with provider::authorize_url on its own thread once admitted.
//  - exchange: the code exchange and user lookup, on a worker.
//  - kill_worker: fault injection for tests and drills. respawn: its own backoff timer.
using provider_supervisor_actor =
    caf::typed_actor<caf::replies_to<atoms::admit>::with<login_start_result>,
                     caf::replies_to<atoms::exchange, code_exchange>::with<identity_result>,
                     caf::replies_to<atoms::status>::with<pool_status>,
                     caf::reacts_to<atoms::kill_worker, int>,
                     caf::reacts_to<atoms::respawn>>;

// One worker: one blocking IdP call at a time, on its own thread.
using provider_worker_actor = caf::typed_actor<caf::replies_to<atoms::exchange, code_exchange>::with<identity_result>>;

}  // namespace sg
