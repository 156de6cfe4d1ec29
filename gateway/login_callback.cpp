// The login callback (SPEC section 3, its rules in order), in explicit steps: validate the
// parameters and take the flow for THIS browser, exchange the code at the IdP, provision the
// user, complete the login.
#include <chrono>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/pool_answers.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {
constexpr std::size_t max_state_length = 256;
constexpr std::size_t max_code_length = 2048;

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

task<void> gateway::login_callback(http_request& req, http_response& res, const std::string& slug) {
  auto idp = find_provider(slug);
  if (!idp) co_return send_error(req, res, 404, "Unknown or disabled sign-in provider.");
  if (!co_await within_rate_limit(req, res, "callback")) co_return;
  auto started = std::chrono::steady_clock::now();
  metrics_.count("socialgate_login_attempts_total", "provider=\"" + slug + "\"");
  if (req.get_param_value("state").size() > max_state_length || req.get_param_value("code").size() > max_code_length) {
    login_failed(slug, "malformed");
    log_event(log_level::warning, "callback_refused", {{"provider", slug}, {"reason", "oversized parameter"}});
    co_return send_error(req, res, 400, "The sign-in response is malformed.");
  }
  if (req.has_param("error")) co_return co_await callback_idp_error(req, res, slug);

  auto flow = co_await callback_validate(req, res, slug);
  if (!flow) co_return;
  auto identity = co_await callback_exchange(req, res, slug, *flow);
  if (!identity) co_return;
  auto outcome = co_await callback_provision(*idp, *flow, *identity);
  co_await callback_complete(req, res, slug, *flow, outcome, started);
}

task<void> gateway::callback_idp_error(http_request& req, http_response& res, const std::string& slug) {
  auto state = req.get_param_value("state");
  auto error = req.get_param_value("error").substr(0, 64);
  auto description = req.get_param_value("error_description").substr(0, 300);
  auto idp_message = "The identity provider reported an error: " + error + (description.empty() ? "" : " (" + description + ")");
  // Rule 1 comes first here too: the flow ends only for the browser that started it, so an
  // error link replayed from another browser (a state seen in a Referer or a log) consumes
  // nothing and cancels nothing. Without a state there is no flow to end: the IdP's message is
  // shown (400), and nothing else happens.
  flow_claim claim;
  if (!state.empty()) claim = co_await deps_.flows.consume_for(state, binding_hash_of(req), slug);
  if (claim.status != flow_claim_status::consumed) {
    login_failed(slug, "idp_error_refused");
    log_event(log_level::warning, "callback_refused",
              {{"provider", slug}, {"reason", state.empty() ? "error callback without state" : "error callback for a flow that is not this browser's"}});
    if (state.empty()) co_return send_error(req, res, 400, idp_message);
    co_return send_error(req, res, 400,
                         "This sign-in was not started in this browser, or it has already ended. Start the sign-in again.");
  }
  // Rule 2: the user cancelled at the IdP (back to the login page), or the IdP failed.
  login_failed(slug, error == "access_denied" ? "access_denied" : "idp_error");
  log_event(log_level::info, "callback_idp_error", {{"provider", slug}, {"error", error}});
  if (error == "access_denied") co_return send_redirect(res, "/auth/login");
  send_error(req, res, 400, idp_message);
}

task<std::optional<flow_record>> gateway::callback_validate(http_request& req, http_response& res,
                                                            const std::string& slug) {
  auto refuse = [&](const char* reason, const std::string& detail) -> std::optional<flow_record> {
    login_failed(slug, reason);
    log_event(log_level::warning, "callback_refused", {{"provider", slug}, {"reason", reason}});
    send_error(req, res, 400, detail);
    return std::nullopt;
  };
  auto state = req.get_param_value("state");
  if (state.empty() || req.get_param_value("code").empty())
    co_return refuse("malformed", "The sign-in response has no code or state. Start the sign-in again.");

  // Rule 2: one check-and-delete in Redis, before any call to the IdP. A state from another
  // browser or for another provider consumes nothing, so the right browser can still finish.
  auto claim = co_await deps_.flows.consume_for(state, binding_hash_of(req), slug);
  switch (claim.status) {
    case flow_claim_status::consumed: co_return claim.record;
    case flow_claim_status::other_browser:
      co_return refuse("browser mismatch", "This sign-in was started in another browser. Start the sign-in again here.");
    case flow_claim_status::other_provider:
      co_return refuse("provider mismatch", "This sign-in was started for another provider.");
    case flow_claim_status::missing: break;
  }
  co_return refuse("unknown state", "This sign-in link is expired or was already used. Start the sign-in again.");
}

// Rules 3 and 4: the code for tokens (same redirect_uri, the PKCE verifier) and the identity,
// on one of the provider's workers. The RFC 9207 `iss` check is the OIDC provider's, made
// before it sends the code anywhere.
task<std::optional<external_identity>> gateway::callback_exchange(http_request& req, http_response& res,
                                                                  const std::string& slug, const flow_record& flow) {
  auto idp_started = std::chrono::steady_clock::now();
  code_exchange exchange{req.get_param_value("code"), flow.code_verifier, flow.redirect_uri, flow.nonce,
                         req.has_param("iss"),        req.get_param_value("iss")};
  auto result = co_await await_callback<identity_result>([&](std::function<void(identity_result)> done) {
    deps_.pools.fetch_identity(slug, std::move(exchange), std::move(done));
  });
  if (result.error != pool_error::none) {
    login_failed(slug, login_failure_reason(result.error));
    send_pool_failure(req, res, result.error, result.message);
    co_return std::nullopt;
  }
  metrics_.observe_ms("socialgate_idp_call_seconds", "provider=\"" + slug + "\"", ms_since(idp_started));
  co_return std::move(result.identity);
}

task<callback_outcome> gateway::callback_provision(const provider_descriptor& idp, const flow_record& flow,
                                                   const external_identity& identity) {
  if (deps_.config.email_verification == "mandatory" && !identity.email_verified) co_return callback_outcome{"", "Unverified email", std::nullopt};
  try {
    if (!flow.connect_user_id.empty()) {
      auto user_id = (co_await deps_.users.connect(identity, flow.connect_user_id)).id;
      log_event(log_level::info, "identity_connected", {{"provider", idp.slug}, {"user_id", user_id}});
      co_return callback_outcome{user_id, "", std::nullopt};
    }
    auto provisioned = co_await deps_.users.provision(identity, idp.created_via);
    log_event(log_level::info, "login",
              {{"provider", idp.slug}, {"user_id", provisioned.user.id}, {"created", provisioned.created},
               {"joined_by_email", provisioned.joined}});
    co_return callback_outcome{provisioned.user.id, "", user_view_of(provisioned.user)};
  } catch (const account_conflict&) {
    login_failed(idp.slug, "account_conflict");
    throw;
  }
}

// Rule 5: the cvat-ui flow hands the CVAT UI socialgate's own one-time code (traded for a key
// at login/token); the direct flow sets the cookies and redirects to `next`.
task<void> gateway::callback_complete(http_request& req, http_response& res, const std::string& slug,
                                      const flow_record& flow, const callback_outcome& outcome,
                                      std::chrono::steady_clock::time_point started) {
  auto provider_label = "provider=\"" + slug + "\"";
  auto record_success = [&] {
    metrics_.count("socialgate_login_successes_total", provider_label);
    metrics_.observe_ms("socialgate_login_seconds", provider_label, ms_since(started));
  };
  if (deps_.config.flow == "cvat-ui") {
    // A named record: GCC 12 destroys a braced temporary passed by value to a coroutine twice.
    login_code_record record{slug, outcome.user_id, outcome.refusal, flow.binding_hash};
    auto one_time = co_await deps_.login_codes.issue(std::move(record));
    if (!outcome.refusal.empty()) login_failed(slug, "unverified_email");
    else record_success();
    // CVAT 2.4's UI (cvat-ui/src/components/login-with-social-app/login-with-social-app.tsx)
    // reads provider, code, process, scope and auth_params on both routes, and on
    // /auth/login-with-oidc/ posts the code to /api/auth/oidc/<provider>/login/token/: there
    // `provider` is the auth_config.yml IdP's id.
    const std::string oidc_prefix = "oidc/";
    bool sso = slug.rfind(oidc_prefix, 0) == 0;
    query_params ui_query{{"provider", sso ? slug.substr(oidc_prefix.size()) : slug},
                          {"code", one_time},
                          {"process", flow.process},
                          {"scope", flow.scope},
                          {"auth_params", flow.auth_params}};
    send_redirect(res, deps_.config.base_url + (sso ? "/auth/login-with-oidc/?" : "/auth/login-with-social-app/?") +
                           build_query(ui_query));
    co_return;
  }
  if (!outcome.refusal.empty()) {
    login_failed(slug, "unverified email");
    log_event(log_level::warning, "callback_refused", {{"provider", slug}, {"reason", "unverified email"}});
    co_return send_error(req, res, 400, outcome.refusal);
  }
  auto session =
      co_await deps_.sessions.create(outcome.user_id, slug, req.get_header_value("User-Agent"), outcome.user_view);
  record_success();
  set_session_cookies(res, session);
  send_redirect(res, next_policy_.validate(flow.next).value_or("/"));
}

}  // namespace sg
