// Endpoints that act on the caller's session: who am I, log out, the session list and revoking
// one, forward-auth verify. Logout and revoke also take plain HTML form posts (the account page).
#include <nlohmann/json.hpp>

#include "core/bounded_json.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {
nlohmann::json user_json(const user_record& user) {
  nlohmann::json providers = nlohmann::json::array();
  for (const auto& identity : user.identities) providers.push_back(identity.substr(0, identity.find(':')));
  // The id is a 64-bit number: a string, because JavaScript clients read JSON numbers as doubles
  // (53 bits) and would round it to another user's id.
  return {{"id", user.id},                   {"username", user.username},       {"email", user.email},
          {"first_name", user.first_name},   {"last_name", user.last_name},     {"created_via", user.created_via},
          {"email_verified", user.email_vouched()}, {"providers", providers}};
}

// Forward-auth header values: the provider boundary already validates claims; this is the last
// guard, so no stored value (an old record, an operator's edit) can split or fake a header.
std::string header_safe(const std::string& value) {
  std::string out;
  for (unsigned char c : value)
    if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
  auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return out.substr(first, out.find_last_not_of(' ') - first + 1);
}
}  // namespace

task<void> gateway::users_self(http_request& req, http_response& res) {
  auto auth = co_await authenticate(req);
  if (!auth) co_return send_error(req, res, 401, "Authentication credentials were not provided.");
  auto user = co_await deps_.users.find(auth->session.user_id);
  if (!user) co_return send_error(req, res, 401, "The user of this session no longer exists.");
  // CVAT's own fields of /api/users/self (a plain user: no staff or superuser rights here);
  // last_login is when this session signed in.
  auto iso8601 = [](long long seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(text);
  };
  auto body = user_json(*user);
  body["url"] = deps_.config.base_url + "/api/users/" + user->id;
  body["groups"] = nlohmann::json::array({"user"});
  body["is_staff"] = false;
  body["is_superuser"] = false;
  body["is_active"] = true;
  body["last_login"] = iso8601(auth->session.created);
  body["date_joined"] = iso8601(user->created);
  send_json(res, 200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool gateway::csrf_ok(const http_request& req, http_response& res, const authenticated_request& auth) {
  if (!auth.via_cookie) return true;
  // Cookie authentication: the page must prove it can read the CSRF cookie (the X-CSRFTOKEN
  // header from scripts, the csrfmiddlewaretoken field from a plain form), and that cookie must
  // be the one minted with this session.
  auto presented = req.has_header("X-CSRFTOKEN") ? req.get_header_value("X-CSRFTOKEN")
                                                 : form_field(req, "csrfmiddlewaretoken");
  if (csrf_token_matches(req, auth, presented)) return true;
  log_event(log_level::warning, "csrf_refused", {{"path", req.path}});
  send_error(req, res, 403,
             "CSRF check failed: send the X-CSRFTOKEN header (or a csrfmiddlewaretoken form field) equal to the CSRF cookie.");
  return false;
}

task<void> gateway::logout(http_request& req, http_response& res) {
  if (req.body.size() > 4096) co_return send_error(req, res, 413, "Request body too large.");
  auto auth = co_await authenticate(req);
  if (auth && !csrf_ok(req, res, *auth)) co_return;
  bool everywhere = false;
  if (is_form_post(req)) {
    everywhere = form_field(req, "all") == "true";
  } else if (!req.body.empty()) {
    auto body = parse_bounded_json(req.body).value_or(nlohmann::json(nlohmann::json::value_t::discarded));
    if (body.is_discarded() && req.get_header_value("Content-Type").find("json") != std::string::npos)
      co_return send_error(req, res, 400, "The request body is not valid JSON.");
    if (body.is_object()) everywhere = body.value("all", false) == true;
  }
  if (auth) {
    if (everywhere) co_await deps_.sessions.revoke_all(auth->session.user_id);
    else co_await deps_.sessions.revoke(auth->secret);
    metrics_.count("socialgate_sessions_revoked_total", "");
    log_event(log_level::info, "logout", {{"user_id", auth->session.user_id}, {"all", everywhere}});
  }
  clear_session_cookies(res);
  // A plain form (JavaScript off) goes back to a page that shows the signed-out state.
  if (is_form_post(req)) {
    send_redirect(res, std::string(account_page_path) + "?signed_out=1");
    res.status = 303;
    co_return;
  }
  send_json(res, 200, R"({"detail":"Successfully logged out."})");
}

task<void> gateway::list_sessions(http_request& req, http_response& res) {
  auto auth = co_await authenticate(req);
  if (!auth) co_return send_error(req, res, 401, "Authentication credentials were not provided.");
  nlohmann::json list = nlohmann::json::array();
  auto sessions = co_await deps_.sessions.list(auth->session.user_id);
  for (const auto& s : sessions)
    list.push_back({{"id", s.handle},         {"created", s.created},       {"last_seen", s.last_seen},
                    {"provider", s.provider}, {"user_agent", s.user_agent}, {"current", s.handle == auth->session.handle}});
  send_json(res, 200, list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

task<void> gateway::revoke_session(http_request& req, http_response& res, const std::string& handle) {
  if (req.body.size() > 4096) co_return send_error(req, res, 413, "Request body too large.");
  auto auth = co_await authenticate(req);
  if (!auth) co_return send_error(req, res, 401, "Authentication credentials were not provided.");
  if (!csrf_ok(req, res, *auth)) co_return;
  // Only the user's own sessions: any other handle is "not found", never "forbidden".
  if (!co_await deps_.sessions.revoke_handle_of(auth->session.user_id, handle))
    co_return send_error(req, res, 404, "No such session.");
  metrics_.count("socialgate_sessions_revoked_total", "");
  log_event(log_level::info, "session_revoked", {{"user_id", auth->session.user_id}});
  const bool own = handle == auth->session.handle;
  if (own) clear_session_cookies(res);
  if (is_form_post(req)) {  // a plain form: back to the account page, which shows what is left
    send_redirect(res, std::string(account_page_path) + (own ? "?signed_out=1" : ""));
    res.status = 303;
    co_return;
  }
  res.status = 204;
}

// Forward auth on every request to the application: one EVALSHA that reads the session, checks
// it and extends it when due, answered from the session's own copy of its user's fields.
task<void> gateway::verify(http_request& req, http_response& res) {
  auto credentials = credentials_of(req);
  std::optional<verified_session> session;
  if (credentials) session = co_await deps_.sessions.verify(credentials->secret);
  if (!session) co_return send_json(res, 401, R"({"detail":"Authentication credentials were not provided."})");
  res.set_header("X-Auth-User-Id", header_safe(session->user_id));
  res.set_header("X-Auth-Username", header_safe(session->username));
  // Only an address socialgate vouches for (verified by an IdP trusted for email): the
  // application behind may treat it as the user's identity.
  const bool vouched = session->email_vouched && !header_safe(session->email).empty();
  if (vouched) res.set_header("X-Auth-Email", header_safe(session->email));
  res.set_header("X-Auth-Email-Verified", vouched ? "true" : "false");
  res.set_header("X-Auth-Provider", header_safe(session->provider));
  res.set_header("X-Auth-Session", session->handle);  // the public handle, never the secret
  send_json(res, 200, R"({"detail":"ok"})");
}

}  // namespace sg
