#include "gateway/gateway.hpp"

#include <chrono>

#include "core/log.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"
#include "gateway/client_address.hpp"
#include "gateway/cookies.hpp"
#include "gateway/responses.hpp"

namespace sg {

gateway::gateway(gateway_dependencies deps)
    : deps_(std::move(deps)), next_policy_({parse_http_url(deps_.config.base_url)->origin()}), metrics_(deps_.metrics) {
  // Counters that operators alert on are shown from the start, at zero.
  for (const char* name : {"socialgate_sessions_revoked_total", "socialgate_rate_limited_total", "socialgate_flows_refused_total"})
    metrics_.count(name, "", 0);
}

const provider_descriptor* gateway::find_provider(const std::string& slug) const {
  for (const auto& p : deps_.providers)
    if (p.slug == slug) return &p;
  return nullptr;
}

std::string gateway::cookie(const http_request& req, const std::string& name) const {
  auto cookies = parse_cookie_header(req.get_header_value("Cookie"));
  if (!cookies) return "";
  auto it = cookies->find(name);
  return it == cookies->end() ? "" : it->second;
}

void gateway::login_failed(const std::string& provider, const std::string& reason) {
  std::string label = reason;
  for (auto& c : label) c = c == ' ' ? '_' : c;
  metrics_.count("socialgate_login_failures_total", "provider=\"" + provider + "\",reason=\"" + label + "\"");
}

namespace {
// Text a route may read must be UTF-8, checked here once before any route runs, so that no
// handler, log line or JSON dump meets bytes it cannot encode: query parameters (names and
// values, after percent-decoding), a form-like body (the fields a route reads with form_field
// or parses itself), and a JSON body (RFC 8259 requires UTF-8). Header values are opaque
// bytes: never decoded, never checked. Returns where, or nullptr.
const char* invalid_utf8_in(const http_request& req) {
  for (const auto& [name, value] : req.params)
    if (!is_valid_utf8(name) || !is_valid_utf8(value)) return "a query parameter or form field";
  if (req.body.empty()) return nullptr;
  if (req.get_header_value("Content-Type").find("json") != std::string::npos)
    return is_valid_utf8(req.body) ? nullptr : "the JSON body";
  if (auto form = parse_form(req.body))
    for (const auto& [name, value] : *form)
      if (!is_valid_utf8(name) || !is_valid_utf8(value)) return "a form field";
  return nullptr;
}

constexpr std::size_t max_query_params = 32;

// What every route refuses before it runs; answers and returns true when the request is refused.
bool refused_before_route(const http_request& req, http_response& res) {
  auto refuse = [&](int status, const std::string& reason, const std::string& detail) {
    log_event(log_level::warning, "bad_request", {{"path", req.path}, {"reason", reason}});
    send_error(req, res, status, detail);
    return true;
  };
  if (req.params.size() > max_query_params) return refuse(400, "Too many query parameters.", "Too many query parameters.");
  if (req.has_header("Cookie") && !parse_cookie_header(req.get_header_value("Cookie")))
    return refuse(400, "oversized Cookie header", "The Cookie header is too large.");
  if (auto where = invalid_utf8_in(req))
    return refuse(400, std::string("invalid UTF-8 in ") + where, std::string("The request has invalid UTF-8 in ") + where + ".");
  return false;
}
}  // namespace

route_handler gateway::guarded(const char* route, route_handler handler) {
  return [this, route, handler = std::move(handler)](http_request& req, http_response& res) {
    return run_guarded(route, handler, req, res);
  };
}

// The handler is taken by value: the coroutine frame keeps its own copy for as long as it runs.
task<void> gateway::run_guarded(const char* route, route_handler handler, http_request& req, http_response& res) {
  try {
    if (!refused_before_route(req, res)) co_await handler(req, res);
  } catch (const redis_unavailable& e) {
    log_event(log_level::error, "redis_unavailable", {{"path", req.path}, {"reason", e.what()}});
    send_error(req, res, 503, "The session store (Redis) is unavailable. Try again in a moment.");
  } catch (const account_conflict& e) {
    log_event(log_level::warning, "account_conflict", {{"path", req.path}});
    send_error(req, res, 409, e.what());
  } catch (const std::exception& e) {
    log_event(log_level::error, "internal_error", {{"path", req.path}, {"reason", e.what()}});
    send_error(req, res, 500, "Internal error.");
  } catch (...) {
    log_event(log_level::error, "internal_error", {{"path", req.path}});
    send_error(req, res, 500, "Internal error.");
  }
  // Requests by route and status, whatever way the handler ended.
  metrics_.count("socialgate_requests_total",
                 std::string("route=\"") + route + "\",status=\"" + std::to_string(res.status) + "\"");
}

std::string gateway::client_of(const http_request& req) const {
  return address_key(client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"), deps_.config.trusted_proxies),
                     deps_.config.ipv6_prefix_length);
}

task<bool> gateway::within_rate_limit(const http_request& req, http_response& res, const std::string& bucket) {
  auto decision = co_await deps_.limiter.check(bucket, client_of(req));
  if (decision.allowed) co_return true;
  metrics_.count("socialgate_rate_limited_total", "");
  log_event(log_level::warning, "rate_limited", {{"path", req.path}, {"bucket", bucket}});
  res.set_header("Retry-After", std::to_string(decision.retry_after_seconds));
  send_error(req, res, 429, "Too many requests from your address. Try again in " +
                                std::to_string(decision.retry_after_seconds) + " seconds.");
  co_return false;
}

void gateway::install(router& routes) {
  // Request-line, header and body limits are the request reader's, enforced while reading; the
  // loop answers what the router does not find (404, 405) with send_error.
  auto add = [&](const char* method, const std::string& pattern, const char* route, route_handler handler) {
    routes.add(method, pattern, guarded(route, std::move(handler)));
  };
  // Paths match with and without the trailing slash; /api/auth/social/<slug>/... is an alias.
  const std::string slug = R"((?:social/)?([a-z0-9-]+|oidc/[A-Za-z0-9_.-]+))";
  auto start = [this](http_request& req, http_response& res) { return login_start(req, res, req.matches[1]); };
  add("GET", "/api/auth/" + slug + "/login/?", "login_start", start);
  add("POST", "/api/auth/" + slug + "/login/?", "login_start", start);
  add("GET", "/api/auth/" + slug + "/login/callback/?", "login_callback",
      [this](http_request& req, http_response& res) { return login_callback(req, res, req.matches[1]); });
  add("POST", "/api/auth/" + slug + "/login/token/?", "login_token",
      [this](http_request& req, http_response& res) { return login_token(req, res, req.matches[1]); });
  auto plain = [this](task<void> (gateway::*route)(http_request&, http_response&)) -> route_handler {
    return [this, route](http_request& req, http_response& res) { return (this->*route)(req, res); };
  };
  add("GET", "/api/auth/social/methods/?", "methods", plain(&gateway::methods));
  add("GET", "/api/auth/social/?", "social_listing", plain(&gateway::social_listing));
  add("GET", "/api/server/advanced-auth/?", "advanced_auth", plain(&gateway::advanced_auth));
  add("GET", "/api/auth/oidc/select-idp/?", "select_idp", plain(&gateway::select_idp));
  add("GET", "/api/auth/sessions/?", "sessions", plain(&gateway::list_sessions));
  auto revoke = [this](http_request& req, http_response& res) { return revoke_session(req, res, req.matches[1]); };
  add("DELETE", "/api/auth/sessions/([0-9a-f]{64})/?", "session_revoke", revoke);
  // The same by POST (an HTML form with csrfmiddlewaretoken); also under /api/auth/social/,
  // which a CVAT deployment routes to socialgate (its /api/auth/logout is CVAT's own).
  add("POST", "/api/auth/(?:social/)?sessions/([0-9a-f]{64})/revoke/?", "session_revoke", revoke);
  add("GET", "/api/auth/social/account/?", "account_page", plain(&gateway::account_page));
  add("GET", "/api/users/self/?", "users_self", plain(&gateway::users_self));
  add("POST", "/api/auth/(?:social/)?logout/?", "logout", plain(&gateway::logout));
  add("GET", "/api/auth/verify/?", "verify", plain(&gateway::verify));
  add("GET", "/healthz", "healthz", plain(&gateway::healthz));
  add("GET", "/readyz", "readyz", plain(&gateway::readyz));
  add("GET", "/metrics", "metrics", plain(&gateway::metrics));
  add("GET", "/", "login_page", plain(&gateway::login_page));
  add("GET", "/auth/login/?", "login_page", plain(&gateway::login_page));
}

void gateway::set_session_cookies(http_response& res, const minted_session& session) const {
  cookie_attributes session_cookie;
  session_cookie.max_age = deps_.config.session_age;
  session_cookie.secure = deps_.config.secure_cookies;
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.session_cookie_name, session.secret, session_cookie));
  cookie_attributes csrf_cookie = session_cookie;
  csrf_cookie.http_only = false;  // read by the page's scripts to send X-CSRFTOKEN
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.csrf_cookie_name, session.csrf_token, csrf_cookie));
  metrics_.count("socialgate_sessions_created_total", "provider=\"" + session.record.provider + "\"");
}

void gateway::clear_session_cookies(http_response& res) const {
  cookie_attributes gone;
  gone.max_age = 0;
  gone.secure = deps_.config.secure_cookies;
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.session_cookie_name, "", gone));
  gone.http_only = false;
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.csrf_cookie_name, "", gone));
}

}  // namespace sg
