#pragma once
// The HTTP API of SPEC section 3 on a cpp-httplib server. Route handlers run on the server's
// thread pool; IdP work goes to the provider pools, state to Redis.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/runtime.hpp"
#include "core/config.hpp"
#include "gateway/metrics_registry.hpp"
#include "gateway/next_url.hpp"
#include "session-store/flow_store.hpp"
#include "session-store/login_code_store.hpp"
#include "session-store/rate_limiter.hpp"
#include "session-store/session_store.hpp"
#include "session-store/user_store.hpp"

namespace sg {

struct gateway_dependencies {
  const service_config& config;
  redis_pool& redis;
  flow_store& flows;
  login_code_store& login_codes;
  session_store& sessions;
  user_store& users;
  rate_limiter& limiter;
  provider_pools& pools;
  std::vector<provider_descriptor> providers;  // what the gateway may know of each enabled provider
};

// The user a finished callback signs in, or why the login is refused after the IdP answered.
struct callback_outcome {
  std::string user_id;
  std::string refusal;  // e.g. "Unverified email" under ACCOUNT_EMAIL_VERIFICATION=mandatory
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
  void install(httplib::Server& server);

 private:
  // Route handlers (one file per group: login_start, login_callback, token_routes,
  // session_routes, ops_routes).
  // GET starts a login; `process=connect` (linking to the signed-in user) only by POST with the
  // CSRF token, so a cross-site link cannot start it.
  void login_start(const httplib::Request& req, httplib::Response& res, const std::string& slug);
  // The signed-in user a POSTed `process=connect` links to; nullopt after answering 401/403.
  std::optional<std::string> connect_target(const httplib::Request& req, httplib::Response& res);
  // The callback in explicit steps (SPEC section 3 rules in order): validate (parameters, then
  // the flow consumed for THIS browser only), exchange (the provider pool), provision (the user
  // store), complete (session cookies and a redirect, or the cvat-ui one-time code).
  void login_callback(const httplib::Request& req, httplib::Response& res, const std::string& slug);
  // Rule 1: `error=` from the IdP. Answers itself; consumes the flow only for its own browser.
  void callback_idp_error(const httplib::Request& req, httplib::Response& res, const std::string& slug);
  // Rule 2: the flow for this state, this browser and this provider, consumed; nullopt after
  // answering 400 itself (nothing consumed then).
  std::optional<flow_record> callback_validate(const httplib::Request& req, httplib::Response& res,
                                               const std::string& slug);
  external_identity callback_exchange(const httplib::Request& req, const std::string& slug, const flow_record& flow);
  callback_outcome callback_provision(const provider_descriptor& idp, const flow_record& flow,
                                      const external_identity& identity);
  void callback_complete(const httplib::Request& req, httplib::Response& res, const std::string& slug,
                         const flow_record& flow, const callback_outcome& outcome,
                         std::chrono::steady_clock::time_point started);
  // The hash of this request's browser-binding cookie, or "" when it has none.
  std::string binding_hash_of(const httplib::Request& req) const;
  void login_token(const httplib::Request& req, httplib::Response& res, const std::string& slug);
  void list_sessions(const httplib::Request& req, httplib::Response& res);
  void select_idp(const httplib::Request& req, httplib::Response& res);
  void revoke_session(const httplib::Request& req, httplib::Response& res, const std::string& handle);
  void users_self(const httplib::Request& req, httplib::Response& res);
  void logout(const httplib::Request& req, httplib::Response& res);
  void verify(const httplib::Request& req, httplib::Response& res);
  void methods(const httplib::Request& req, httplib::Response& res);
  void social_listing(const httplib::Request& req, httplib::Response& res);  // with CVAT 2.4's `sso` entry
  void advanced_auth(const httplib::Request& req, httplib::Response& res);   // CVAT 2.3.0's shape
  void healthz(const httplib::Request& req, httplib::Response& res);
  void readyz(const httplib::Request& req, httplib::Response& res);
  void metrics(const httplib::Request& req, httplib::Response& res);
  void login_page(const httplib::Request& req, httplib::Response& res);
  // The account page (account_page.cpp): who is signed in, sessions, sign-out, linking; the
  // sign-in buttons when signed out.
  void account_page(const httplib::Request& req, httplib::Response& res);
  std::string sign_in_buttons(const std::string& next) const;

  // Runs a handler, turning store, pool and provider failures into clear HTTP answers.
  template <class Handler>
  httplib::Server::Handler guarded(const char* route, Handler handler);
  // A login that failed at the callback or the token exchange, by provider and reason (any
  // wording; spaces become underscores in the label).
  void login_failed(const std::string& provider, const std::string& reason);

  std::optional<authenticated_request> authenticate(const httplib::Request& req);
  std::string client_of(const httplib::Request& req) const;
  // Counts the request against the client's limit for `bucket`; answers 429 itself when over.
  bool within_rate_limit(const httplib::Request& req, httplib::Response& res, const std::string& bucket);
  // Unsafe methods authenticated by cookie must carry X-CSRFTOKEN equal to the CSRF cookie
  // minted with that session; key-authenticated requests need none. Answers 403 itself.
  bool csrf_ok(const httplib::Request& req, httplib::Response& res, const authenticated_request& auth);
  // The same proof from a presented token (the X-CSRFTOKEN header or a form's
  // csrfmiddlewaretoken): equal to the CSRF cookie, which is the one minted with this session.
  bool csrf_token_matches(const httplib::Request& req, const authenticated_request& auth,
                          const std::string& presented) const;
  const provider_descriptor* find_provider(const std::string& slug) const;
  std::string cookie(const httplib::Request& req, const std::string& name) const;
  void set_session_cookies(httplib::Response& res, const minted_session& session) const;
  void clear_session_cookies(httplib::Response& res) const;

  gateway_dependencies deps_;
  next_url_policy next_policy_;
  mutable metrics_registry metrics_;  // counting does not change what the gateway is
};

}  // namespace sg
