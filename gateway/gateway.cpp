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
    : deps_(std::move(deps)), next_policy_({parse_http_url(deps_.config.base_url)->origin()}) {
  // Counters that operators alert on are shown from the start, at zero.
  for (const char* name : {"socialgate_sessions_revoked_total", "socialgate_rate_limited_total", "socialgate_flows_refused_total"})
    metrics_.count(name, "", 0);
}

const provider_descriptor* gateway::find_provider(const std::string& slug) const {
  for (const auto& p : deps_.providers)
    if (p.slug == slug) return &p;
  return nullptr;
}

std::string gateway::cookie(const httplib::Request& req, const std::string& name) const {
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
// handler, log line or JSON dump meets bytes it cannot encode: query parameters and form
// fields (names and values, after percent-decoding; cpp-httplib has merged a form body into
// `params`), a form-like body a route parses itself, and a JSON body (RFC 8259 requires UTF-8).
// Header values are opaque bytes: never decoded, never checked. Returns where, or nullptr.
const char* invalid_utf8_in(const httplib::Request& req) {
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
}  // namespace

template <class Handler>
httplib::Server::Handler gateway::guarded(const char* route, Handler handler) {
  return [this, route, handler](const httplib::Request& req, httplib::Response& res) {
    struct count_request {  // requests by route and status, whatever way the handler ends
      metrics_registry& metrics;
      const char* route;
      httplib::Response& res;
      ~count_request() {
        metrics.count("socialgate_requests_total",
                      std::string("route=\"") + route + "\",status=\"" + std::to_string(res.status) + "\"");
      }
    } counter{metrics_, route, res};
    try {
      if (req.has_header("Cookie") && !parse_cookie_header(req.get_header_value("Cookie"))) {
        log_event(log_level::warning, "bad_request", {{"path", req.path}, {"reason", "oversized Cookie header"}});
        return send_error(req, res, 400, "The Cookie header is too large.");
      }
      if (auto where = invalid_utf8_in(req)) {
        log_event(log_level::warning, "bad_request", {{"path", req.path}, {"reason", std::string("invalid UTF-8 in ") + where}});
        return send_error(req, res, 400, std::string("The request has invalid UTF-8 in ") + where + ".");
      }
      handler(req, res);
    } catch (const redis_unavailable& e) {
      log_event(log_level::error, "redis_unavailable", {{"path", req.path}, {"reason", e.what()}});
      send_error(req, res, 503, "The session store (Redis) is unavailable. Try again in a moment.");
    } catch (const pool_unavailable& e) {
      log_event(log_level::warning, "provider_unavailable", {{"path", req.path}, {"reason", e.what()}});
      send_error(req, res, 503, std::string("Sign-in with this provider is unavailable right now: ") + e.what());
    } catch (const provider_error& e) {
      int status = e.what_kind == provider_error::kind::rejected       ? 400
                   : e.what_kind == provider_error::kind::bad_response ? 502
                                                                       : 503;
      log_event(log_level::warning, "provider_error", {{"path", req.path}, {"status", status}, {"reason", e.what()}});
      send_error(req, res, status, std::string("Sign-in failed: ") + e.what());
    } catch (const account_conflict& e) {
      log_event(log_level::warning, "account_conflict", {{"path", req.path}});
      send_error(req, res, 409, e.what());
    } catch (const std::exception& e) {
      log_event(log_level::error, "internal_error", {{"path", req.path}, {"reason", e.what()}});
      send_error(req, res, 500, "Internal error.");
    }
  };
}

std::string gateway::client_of(const httplib::Request& req) const {
  return client_address(req.remote_addr, req.get_header_value("X-Forwarded-For"), deps_.config.trusted_proxies);
}

bool gateway::within_rate_limit(const httplib::Request& req, httplib::Response& res, const std::string& bucket) {
  auto decision = deps_.limiter.check(bucket, client_of(req));
  if (decision.allowed) return true;
  metrics_.count("socialgate_rate_limited_total", "");
  log_event(log_level::warning, "rate_limited", {{"path", req.path}, {"bucket", bucket}});
  res.set_header("Retry-After", std::to_string(decision.retry_after_seconds));
  send_error(req, res, 429, "Too many requests from your address. Try again in " +
                                std::to_string(decision.retry_after_seconds) + " seconds.");
  return false;
}

void gateway::install(httplib::Server& server) {
  // Limits on what a request may carry, before any route runs. (Request-line length, header
  // line length and body size are enforced by cpp-httplib and set_payload_max_length.)
  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    auto refuse = [&](int status, const char* problem) {
      log_event(log_level::warning, "bad_request", {{"path", req.path}, {"reason", problem}});
      send_error(req, res, status, problem);
      return httplib::Server::HandlerResponse::Handled;
    };
    if (req.headers.size() > 64) return refuse(431, "Too many request headers.");
    for (const auto& [name, value] : req.headers)
      if (value.size() > 8192) return refuse(431, "A request header is too large.");
    if (req.params.size() > 32) return refuse(400, "Too many query parameters.");
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Paths match with and without the trailing slash; /api/auth/social/<slug>/... is an alias.
  const std::string slug = R"((?:social/)?([a-z0-9-]+|oidc/[A-Za-z0-9_.-]+))";
  server.Get("/api/auth/" + slug + "/login/?", guarded("login_start", [this](const auto& req, auto& res) {
               login_start(req, res, req.matches[1]);
             }));
  server.Post("/api/auth/" + slug + "/login/?", guarded("login_start", [this](const auto& req, auto& res) {
                login_start(req, res, req.matches[1]);
              }));
  server.Get("/api/auth/" + slug + "/login/callback/?", guarded("login_callback", [this](const auto& req, auto& res) {
               login_callback(req, res, req.matches[1]);
             }));
  server.Post("/api/auth/" + slug + "/login/token/?", guarded("login_token", [this](const auto& req, auto& res) {
                login_token(req, res, req.matches[1]);
              }));
  server.Get("/api/auth/social/methods/?", guarded("methods", [this](const auto& req, auto& res) { methods(req, res); }));
  server.Get("/api/auth/social/?", guarded("social_listing", [this](const auto& req, auto& res) { social_listing(req, res); }));
  server.Get("/api/server/advanced-auth/?", guarded("advanced_auth", [this](const auto& req, auto& res) { advanced_auth(req, res); }));
  server.Get("/api/auth/oidc/select-idp/?", guarded("select_idp", [this](const auto& req, auto& res) { select_idp(req, res); }));
  server.Get("/api/auth/sessions/?", guarded("sessions", [this](const auto& req, auto& res) { list_sessions(req, res); }));
  server.Delete("/api/auth/sessions/([0-9a-f]{64})/?", guarded("session_revoke", [this](const auto& req, auto& res) {
                  revoke_session(req, res, req.matches[1]);
                }));
  // The same by POST (an HTML form with csrfmiddlewaretoken); also under /api/auth/social/,
  // which a CVAT deployment routes to socialgate (its /api/auth/logout is CVAT's own).
  server.Post("/api/auth/(?:social/)?sessions/([0-9a-f]{64})/revoke/?",
              guarded("session_revoke", [this](const auto& req, auto& res) { revoke_session(req, res, req.matches[1]); }));
  server.Get("/api/auth/social/account/?", guarded("account_page", [this](const auto& req, auto& res) { account_page(req, res); }));
  server.Get("/api/users/self/?", guarded("users_self", [this](const auto& req, auto& res) { users_self(req, res); }));
  server.Post("/api/auth/(?:social/)?logout/?", guarded("logout", [this](const auto& req, auto& res) { logout(req, res); }));
  server.Get("/api/auth/verify/?", guarded("verify", [this](const auto& req, auto& res) { verify(req, res); }));
  server.Get("/healthz", guarded("healthz", [this](const auto& req, auto& res) { healthz(req, res); }));
  server.Get("/readyz", guarded("readyz", [this](const auto& req, auto& res) { readyz(req, res); }));
  server.Get("/metrics", guarded("metrics", [this](const auto& req, auto& res) { metrics(req, res); }));
  server.Get("/", guarded("login_page", [this](const auto& req, auto& res) { login_page(req, res); }));
  server.Get("/auth/login/?", guarded("login_page", [this](const auto& req, auto& res) { login_page(req, res); }));

  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;  // a handler already explained the error
    if (res.status == 404) send_error(req, res, 404, "Not found.");
    else if (res.status == 413) send_error(req, res, 413, "Request body too large.");
    else if (res.status == 400) send_error(req, res, 400, "Malformed request.");
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    log_event(log_level::error, "internal_error", {{"path", req.path}});
    send_error(req, res, 500, "Internal error.");
  });
  // One line per request; the query string is left out because it carries codes and state.
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    log_event(log_level::info, "request",
              {{"method", req.method}, {"path", req.path}, {"status", res.status}, {"remote", req.remote_addr}});
  });
}

void gateway::set_session_cookies(httplib::Response& res, const minted_session& session) const {
  cookie_attributes session_cookie;
  session_cookie.max_age = deps_.config.session_age;
  session_cookie.secure = deps_.config.secure_cookies;
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.session_cookie_name, session.secret, session_cookie));
  cookie_attributes csrf_cookie = session_cookie;
  csrf_cookie.http_only = false;  // read by the page's scripts to send X-CSRFTOKEN
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.csrf_cookie_name, session.csrf_token, csrf_cookie));
  metrics_.count("socialgate_sessions_created_total", "provider=\"" + session.record.provider + "\"");
}

void gateway::clear_session_cookies(httplib::Response& res) const {
  cookie_attributes gone;
  gone.max_age = 0;
  gone.secure = deps_.config.secure_cookies;
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.session_cookie_name, "", gone));
  gone.http_only = false;
  res.set_header("Set-Cookie", make_set_cookie(deps_.config.csrf_cookie_name, "", gone));
}

}  // namespace sg
