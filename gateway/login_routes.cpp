// Login start and callback (SPEC section 3, callback rules in their order).
#include <chrono>

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "gateway/cookies.hpp"
#include "gateway/cvat_login_options.hpp"
#include "gateway/gateway.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {
constexpr std::size_t max_state_length = 256;
constexpr std::size_t max_code_length = 2048;
constexpr long binding_cookie_age = 365L * 24 * 3600;
}  // namespace

void gateway::login_start(const httplib::Request& req, httplib::Response& res, const std::string& slug) {
  auto idp = find_provider(slug);
  if (!idp) return send_error(req, res, 404, "Unknown or disabled sign-in provider.");
  if (!within_rate_limit(req, res, "login")) return;
  auto next = next_policy_.validate(req.has_param("next") ? req.get_param_value("next") : "");
  if (!next) {
    log_event(log_level::warning, "next_refused", {{"provider", slug}});
    return send_error(req, res, 400, "The 'next' address is not on this site; refusing to redirect there.");
  }
  auto cvat = parse_cvat_login_options(req.get_param_value("process"), req.get_param_value("scope"),
                                       req.get_param_value("auth_params"), *idp);
  if (!cvat.options) {
    log_event(log_level::warning, "login_options_refused", {{"provider", slug}});
    return send_error(req, res, 400, cvat.error);
  }
  std::string connect_user;
  if (cvat.options->process == "connect") {
    auto auth = authenticate(req);
    if (!auth) return send_error(req, res, 401, "Sign in first to connect another account.");
    connect_user = auth->session.user_id;
  }

  // The browser-binding cookie is shared by all tabs; the flow record keeps only its hash.
  auto binding = cookie(req, deps_.config.binding_cookie_name);
  bool new_binding = !looks_like_token(binding);
  if (new_binding) binding = random_token(32);

  auto state = random_token(32);
  flow_record flow;
  flow.provider = slug;
  flow.code_verifier = random_token(32);
  flow.redirect_uri = idp->redirect_uri;
  flow.next = *next;
  flow.binding_hash = sha256_hex(binding);
  flow.created_at = unix_now();
  flow.process = cvat.options->process;
  flow.scope = cvat.options->scope_text;
  flow.auth_params = cvat.options->auth_params_text;
  flow.connect_user_id = connect_user;
  if (idp->uses_nonce) flow.nonce = random_token(32);
  authorize_request authorize{state, pkce_s256_challenge(flow.code_verifier), flow.nonce, flow.redirect_uri,
                              cvat.options->extra_scopes, cvat.options->extra_params};
  auto url = deps_.pools.authorize_url(slug, authorize);
  if (deps_.flows.put(state, flow, client_of(req)) == flow_put_result::address_limit) {
    metrics_.count("socialgate_flows_refused_total", "");
    log_event(log_level::warning, "flow_limit", {{"provider", slug}});
    res.set_header("Retry-After", std::to_string(deps_.flows.ttl_seconds()));
    return send_error(req, res, 429, "Too many sign-ins in progress from your address. Finish one or try again later.");
  }

  if (new_binding) {
    cookie_attributes attributes;
    attributes.max_age = binding_cookie_age;
    attributes.secure = deps_.config.secure_cookies;
    res.set_header("Set-Cookie", make_set_cookie(deps_.config.binding_cookie_name, binding, attributes));
  }
  send_redirect(res, url);
}

void gateway::login_callback(const httplib::Request& req, httplib::Response& res, const std::string& slug) {
  auto idp = find_provider(slug);
  if (!idp) return send_error(req, res, 404, "Unknown or disabled sign-in provider.");
  if (!within_rate_limit(req, res, "callback")) return;
  auto started = std::chrono::steady_clock::now();
  auto provider_label = "provider=\"" + slug + "\"";
  metrics_.count("socialgate_login_attempts_total", provider_label);
  auto state = req.get_param_value("state");
  auto code = req.get_param_value("code");
  if (state.size() > max_state_length || code.size() > max_code_length) {
    login_failed(slug, "malformed");
    log_event(log_level::warning, "callback_refused", {{"provider", slug}, {"reason", "oversized parameter"}});
    return send_error(req, res, 400, "The sign-in response is malformed.");
  }

  // Rule 1: the IdP reported an error. The flow is consumed either way.
  if (req.has_param("error")) {
    if (!state.empty()) deps_.flows.consume(state);
    auto error = req.get_param_value("error");
    login_failed(slug, error == "access_denied" ? "access_denied" : "idp_error");
    log_event(log_level::info, "callback_idp_error", {{"provider", slug}, {"error", error.substr(0, 64)}});
    if (error == "access_denied") return send_redirect(res, "/auth/login");
    auto description = req.get_param_value("error_description").substr(0, 300);
    return send_error(req, res, 400,
                      "The identity provider reported an error: " + error.substr(0, 64) +
                          (description.empty() ? "" : " (" + description + ")"));
  }
  if (state.empty() || code.empty()) {
    login_failed(slug, "malformed");
    log_event(log_level::warning, "callback_refused", {{"provider", slug}, {"reason", "missing code or state"}});
    return send_error(req, res, 400, "The sign-in response has no code or state. Start the sign-in again.");
  }

  // Rule 2: consume the flow atomically before any call to the IdP.
  auto flow = deps_.flows.consume(state);
  auto refuse = [&](const char* reason, const std::string& detail) {
    login_failed(slug, reason);
    log_event(log_level::warning, "callback_refused", {{"provider", slug}, {"reason", reason}});
    send_error(req, res, 400, detail);
  };
  if (!flow) return refuse("unknown state", "This sign-in link is expired or was already used. Start the sign-in again.");
  if (flow->provider != slug) return refuse("provider mismatch", "This sign-in was started for another provider.");
  auto binding = cookie(req, deps_.config.binding_cookie_name);
  if (binding.empty() || !constant_time_equal(sha256_hex(binding), flow->binding_hash))
    return refuse("browser mismatch", "This sign-in was started in another browser. Start the sign-in again here.");

  auto next = next_policy_.validate(flow->next).value_or("/");

  // Rule 4: exchange the code (same redirect_uri, PKCE verifier), fetch the identity, provision.
  external_identity identity;
  auto idp_started = std::chrono::steady_clock::now();
  try {
    // Rule 3 (RFC 9207 `iss`) is the OIDC provider's, checked before it sends the code anywhere.
    identity = deps_.pools.fetch_identity(slug, {code, flow->code_verifier, flow->redirect_uri, flow->nonce,
                                                 req.has_param("iss"), req.get_param_value("iss")});
  } catch (const provider_error& e) {
    login_failed(slug, e.what_kind == provider_error::kind::rejected       ? "idp_rejected"
                       : e.what_kind == provider_error::kind::bad_response ? "idp_bad_response"
                                                                           : "idp_unavailable");
    throw;
  } catch (const pool_unavailable&) {
    login_failed(slug, "provider_unavailable");
    throw;
  }
  metrics_.observe_ms("socialgate_idp_call_seconds", provider_label,
                      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - idp_started).count());
  bool unverified_refused = deps_.config.email_verification == "mandatory" && !identity.email_verified;
  std::string user_id;
  if (!unverified_refused) try {
    if (!flow->connect_user_id.empty()) {
      user_id = deps_.users.connect(identity, flow->connect_user_id).id;
      log_event(log_level::info, "identity_connected", {{"provider", slug}, {"user_id", user_id}});
    } else {
      auto provisioned = deps_.users.provision(identity, idp->created_via);
      user_id = provisioned.user.id;
      log_event(log_level::info, "login",
                {{"provider", slug}, {"user_id", user_id}, {"created", provisioned.created},
                 {"joined_by_email", provisioned.joined}});
    }
  } catch (const account_conflict&) {
    login_failed(slug, "account_conflict");
    throw;
  }
  auto record_success = [&] {
    metrics_.count("socialgate_login_successes_total", provider_label);
    metrics_.observe_ms("socialgate_login_seconds", provider_label,
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  };

  // Rule 5, cvat-ui flow: the CVAT UI trades socialgate's one-time code for a key.
  if (deps_.config.flow == "cvat-ui") {
    auto one_time = deps_.login_codes.issue(
        {slug, user_id, unverified_refused ? "Unverified email" : "", flow->binding_hash});
    if (unverified_refused) login_failed(slug, "unverified_email");
    else record_success();
    return send_redirect(res, deps_.config.base_url + "/auth/login-with-social-app/?" +
                                  build_query({{"provider", slug},
                                               {"code", one_time},
                                               {"process", flow->process},
                                               {"scope", flow->scope},
                                               {"auth_params", flow->auth_params}}));
  }
  // Rule 5, direct flow: cookies and a redirect to `next`.
  if (unverified_refused) return refuse("unverified email", "Unverified email");
  auto session = deps_.sessions.create(user_id, slug, req.get_header_value("User-Agent"));
  record_success();
  set_session_cookies(res, session);
  send_redirect(res, next);
}

}  // namespace sg
