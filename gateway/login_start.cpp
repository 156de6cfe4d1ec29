// Login start (SPEC section 3): GET for a login; POST (with the CSRF token) for
// `process=connect`, which links another account to the signed-in user.
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "gateway/cookies.hpp"
#include "gateway/cvat_login_options.hpp"
#include "gateway/gateway.hpp"
#include "gateway/pool_answers.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {
constexpr long binding_cookie_age = 365L * 24 * 3600;
constexpr std::size_t max_start_body = 8192;
}  // namespace

std::string gateway::binding_hash_of(const http_request& req) const {
  auto binding = cookie(req, deps_.config.binding_cookie_name);
  return looks_like_token(binding) ? sha256_hex(binding) : "";
}

bool gateway::csrf_token_matches(const http_request& req, const authenticated_request& auth,
                                 const std::string& presented) const {
  auto csrf_cookie = cookie(req, deps_.config.csrf_cookie_name);
  return !presented.empty() && constant_time_equal(presented, csrf_cookie) &&
         constant_time_equal(sha256_hex(csrf_cookie), auth.session.csrf_hash);
}

// process=connect links the identity to the signed-in user: a session, and (with cookie
// authentication) the CSRF token in X-CSRFTOKEN or the form's csrfmiddlewaretoken.
task<std::optional<std::string>> gateway::connect_target(http_request& req, http_response& res) {
  auto auth = co_await authenticate(req);
  if (!auth) {
    send_error(req, res, 401, "Sign in first to connect another account.");
    co_return std::nullopt;
  }
  // The token from the header or the form body, never from the query string: a URL carrying
  // it would end up in proxies' logs and Referer headers.
  auto presented = req.has_header("X-CSRFTOKEN") ? req.get_header_value("X-CSRFTOKEN")
                                                 : form_field(req, "csrfmiddlewaretoken");
  if (auth->via_cookie && !csrf_token_matches(req, *auth, presented)) {
    log_event(log_level::warning, "csrf_refused", {{"path", req.path}});
    send_error(req, res, 403, "CSRF check failed: send the csrftoken cookie's value as X-CSRFTOKEN or csrfmiddlewaretoken.");
    co_return std::nullopt;
  }
  co_return auth->session.user_id;
}

task<void> gateway::login_start(http_request& req, http_response& res, const std::string& slug) {
  auto idp = find_provider(slug);
  if (!idp) co_return send_error(req, res, 404, "Unknown or disabled sign-in provider.");
  bool by_post = req.method == "POST";
  if (by_post && req.body.size() > max_start_body) co_return send_error(req, res, 413, "Request body too large.");
  // With POST the values may come in the query or the form body; the query's wins, as it did
  // when cpp-httplib merged the form into the query parameters.
  auto form = by_post && is_form_post(req) ? parse_form(req.body) : std::nullopt;
  auto param = [&](const char* name) {
    if (req.has_param(name)) return req.get_param_value(name);
    return form ? find_param(*form, name).value_or("") : std::string();
  };
  if (param("process") == "connect" && !by_post) {
    log_event(log_level::warning, "connect_refused", {{"provider", slug}, {"reason", "GET"}});
    res.set_header("Allow", "POST");
    co_return send_error(req, res, 405,
                         "Linking another account must be started with POST, carrying the CSRF token "
                         "(X-CSRFTOKEN header or csrfmiddlewaretoken field).");
  }
  if (!co_await within_rate_limit(req, res, "login")) co_return;
  auto next = next_policy_.validate(param("next"));
  if (!next) {
    log_event(log_level::warning, "next_refused", {{"provider", slug}});
    co_return send_error(req, res, 400, "The 'next' address is not on this site; refusing to redirect there.");
  }
  auto cvat = parse_cvat_login_options(param("process"), param("scope"), param("auth_params"), *idp);
  if (!cvat.options) {
    log_event(log_level::warning, "login_options_refused", {{"provider", slug}});
    co_return send_error(req, res, 400, cvat.error);
  }
  std::string connect_user;
  if (cvat.options->process == "connect") {
    auto user = co_await connect_target(req, res);
    if (!user) co_return;
    connect_user = *user;
  }

  // The browser-binding cookie is shared by all tabs; the flow record keeps only its hash. A
  // presented one is adopted only while socialgate knows it (a login of that browser is open);
  // otherwise it may be a value someone else chose and planted, and a fresh one replaces it.
  auto binding = cookie(req, deps_.config.binding_cookie_name);
  bool new_binding = !looks_like_token(binding) || !co_await deps_.flows.browser_has_open_flows(sha256_hex(binding));
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
  // Only the provider's breaker is asked; the URL is built here, without a worker.
  auto started = co_await await_callback<login_start_result>([&](std::function<void(login_start_result)> done) {
    deps_.pools.start_login(slug, std::move(authorize), std::move(done));
  });
  if (started.error != pool_error::none) co_return send_pool_failure(req, res, started.error, started.message);
  if (co_await deps_.flows.put(state, flow, client_of(req)) == flow_put_result::address_limit) {
    metrics_.count("socialgate_flows_refused_total", "");
    log_event(log_level::warning, "flow_limit", {{"provider", slug}});
    res.set_header("Retry-After", std::to_string(deps_.flows.ttl_seconds()));
    co_return send_error(req, res, 429, "Too many sign-ins in progress from your address. Finish one or try again later.");
  }

  if (new_binding) {
    cookie_attributes attributes;
    attributes.max_age = binding_cookie_age;
    attributes.secure = deps_.config.secure_cookies;
    res.set_header("Set-Cookie", make_set_cookie(deps_.config.binding_cookie_name, binding, attributes));
  }
  send_redirect(res, started.url);
  if (by_post) res.status = 303;  // the browser follows with a GET to the IdP
}

}  // namespace sg
