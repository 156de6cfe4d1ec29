#pragma once
// The HTTP API of SPEC section 3 as coroutine routes on a gateway event loop. One gateway
// exists per loop: the loop's router hands it requests, and every wait (a Redis reply, a
// provider pool's answer) suspends the route instead of blocking the loop's thread.
//
// Every coroutine here is awaited at once by its caller, so its reference parameters (the
// request, the response, a slug read from req.matches) outlive it. The gateway, and the router
// it installs into, must outlive every request in flight.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool_client.hpp"
#include "core/config.hpp"
#include "core/task.hpp"
#include "gateway/http/http_message.hpp"
#include "gateway/http/router.hpp"
#include "gateway/metrics_registry.hpp"
#include "gateway/next_url.hpp"
#include "session-store/flow_store.hpp"
#include "session-store/login_code_store.hpp"
#include "session-store/rate_limiter.hpp"
#include "session-store/redis_backend.hpp"
#include "session-store/redis_executor.hpp"
#include "session-store/session_store.hpp"
#include "session-store/user_store.hpp"

namespace sg {

struct gateway_dependencies {
  const service_config& config;
  redis_backend& redis;  // the loop's Redis in its mode (readiness: located, then a write probe)
  flow_store& flows;
  login_code_store& login_codes;
  session_store& sessions;
  user_store& users;
  rate_limiter& limiter;
  provider_pools& pools;
  std::vector<provider_descriptor> providers;  // what the gateway may know of each enabled provider
  metrics_registry& metrics;                   // shared by every loop of the process
  // Appends the loop's own series to /metrics (open connections, its Redis client's errors and
  // connections in use, ...); may be empty.
  std::function<void(std::string&)> loop_metrics;
};

// The user a finished callback signs in, or why the login is refused after the IdP answered.
struct callback_outcome {
  std::string user_id;
  std::string refusal;  // e.g. "Unverified email" under ACCOUNT_EMAIL_VERIFICATION=mandatory
  std::optional<session_user_view> user_view;  // from provisioning: the session need not read the user
};

// A request authenticated by session cookie or by `Authorization: Token|Bearer <key>`.
struct authenticated_request {
  session_record session;
  std::string secret;
  bool via_cookie = false;
};

class gateway {
 public:
  explicit gateway(gateway_dependencies deps);
  void install(router& routes);

 private:
  // Route handlers (one file per group: login_start, login_callback, token_routes,
  // session_routes, ops_routes, listing_routes, account_page, login_page).
  // GET starts a login; `process=connect` (linking to the signed-in user) only by POST with the
  // CSRF token, so a cross-site link cannot start it.
  task<void> login_start(http_request& req, http_response& res, const std::string& slug);
  // The signed-in user a POSTed `process=connect` links to; nullopt after answering 401/403.
  task<std::optional<std::string>> connect_target(http_request& req, http_response& res);
  // The callback in explicit steps (SPEC section 3 rules in order): validate (parameters, then
  // the flow consumed for THIS browser only), exchange (the provider pool), provision (the user
  // store), complete (session cookies and a redirect, or the cvat-ui one-time code).
  task<void> login_callback(http_request& req, http_response& res, const std::string& slug);
  // Rule 1: `error=` from the IdP. Answers itself; consumes the flow only for its own browser.
  task<void> callback_idp_error(http_request& req, http_response& res, const std::string& slug);
  // Rule 2: the flow for this state, this browser and this provider, consumed; nullopt after
  // answering 400 itself (nothing consumed then).
  task<std::optional<flow_record>> callback_validate(http_request& req, http_response& res, const std::string& slug);
  // Rules 3 and 4 at the provider's pool; nullopt after answering the pool's failure itself.
  task<std::optional<external_identity>> callback_exchange(http_request& req, http_response& res,
                                                           const std::string& slug, const flow_record& flow);
  task<callback_outcome> callback_provision(const provider_descriptor& idp, const flow_record& flow,
                                            const external_identity& identity);
  task<void> callback_complete(http_request& req, http_response& res, const std::string& slug,
                               const flow_record& flow, const callback_outcome& outcome,
                               std::chrono::steady_clock::time_point started);
  // The hash of this request's browser-binding cookie, or "" when it has none.
  std::string binding_hash_of(const http_request& req) const;
  task<void> login_token(http_request& req, http_response& res, const std::string& slug);
  task<void> list_sessions(http_request& req, http_response& res);
  task<void> select_idp(http_request& req, http_response& res);
  task<void> revoke_session(http_request& req, http_response& res, const std::string& handle);
  task<void> users_self(http_request& req, http_response& res);
  task<void> logout(http_request& req, http_response& res);
  task<void> verify(http_request& req, http_response& res);
  task<void> methods(http_request& req, http_response& res);
  task<void> social_listing(http_request& req, http_response& res);  // with CVAT 2.4's `sso` entry
  task<void> advanced_auth(http_request& req, http_response& res);   // CVAT 2.3.0's shape
  task<void> healthz(http_request& req, http_response& res);
  task<void> readyz(http_request& req, http_response& res);
  task<void> metrics(http_request& req, http_response& res);
  task<void> login_page(http_request& req, http_response& res);
  // The account page (account_page.cpp): who is signed in, sessions, sign-out, linking; the
  // sign-in buttons when signed out.
  task<void> account_page(http_request& req, http_response& res);
  std::string sign_in_buttons(const std::string& next) const;

  // A route wrapped with the request checks every route shares and the turning of store
  // failures into clear HTTP answers; counts the request by route and status.
  route_handler guarded(const char* route, route_handler handler);
  task<void> run_guarded(const char* route, route_handler handler, http_request& req, http_response& res);
  // A login that failed at the callback or the token exchange, by provider and reason (any
  // wording; spaces become underscores in the label).
  void login_failed(const std::string& provider, const std::string& reason);

  // The secret the request presents (session cookie or key), not yet looked up; nullopt when
  // it presents nothing that could be one of ours.
  std::optional<authenticated_request> credentials_of(const http_request& req) const;
  task<std::optional<authenticated_request>> authenticate(const http_request& req);
  // The key per-address limits count the request's client under (address_key: an IPv6 client
  // is its /64 network), after X-Forwarded-For from trusted proxies.
  std::string client_of(const http_request& req) const;
  // Counts the request against the client's limit for `bucket`; answers 429 itself when over.
  task<bool> within_rate_limit(const http_request& req, http_response& res, const std::string& bucket);
  // Unsafe methods authenticated by cookie must carry X-CSRFTOKEN equal to the CSRF cookie
  // minted with that session; key-authenticated requests need none. Answers 403 itself.
  bool csrf_ok(const http_request& req, http_response& res, const authenticated_request& auth);
  // The same proof from a presented token (the X-CSRFTOKEN header or a form's
  // csrfmiddlewaretoken): equal to the CSRF cookie, which is the one minted with this session.
  bool csrf_token_matches(const http_request& req, const authenticated_request& auth,
                          const std::string& presented) const;
  const provider_descriptor* find_provider(const std::string& slug) const;
  std::string cookie(const http_request& req, const std::string& name) const;
  void set_session_cookies(http_response& res, const minted_session& session) const;
  void clear_session_cookies(http_response& res) const;

  gateway_dependencies deps_;
  next_url_policy next_policy_;
  metrics_registry& metrics_;  // the process's; counting does not change what the gateway is
};

}  // namespace sg
