// The CVAT UI's second step: POST /api/auth/<slug>/login/token trades socialgate's one-time
// code for an API key (the session id) and the session and CSRF cookies.
#include <nlohmann/json.hpp>

#include "core/bounded_json.hpp"
#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/responses.hpp"

namespace sg {

task<void> gateway::login_token(http_request& req, http_response& res, const std::string& slug) {
  if (!find_provider(slug)) co_return send_error(req, res, 404, "Unknown or disabled sign-in provider.");
  if (!co_await within_rate_limit(req, res, "token")) co_return;
  if (req.body.size() > 8192) co_return send_error(req, res, 413, "Request body too large.");
  std::string code;
  if (req.get_header_value("Content-Type").find("json") != std::string::npos) {
    auto body = parse_bounded_json(req.body).value_or(nlohmann::json(nlohmann::json::value_t::discarded));
    if (!body.is_object()) co_return send_error(req, res, 400, "The request body is not a JSON object.");
    auto it = body.find("code");
    if (it != body.end() && it->is_string()) code = it->get<std::string>();
  } else {
    auto form = parse_form(req.body);
    if (!form) co_return send_error(req, res, 400, "The request body is not a valid form.");
    code = find_param(*form, "code").value_or("");
  }
  auto refuse = [&](const char* reason, const std::string& detail) {
    login_failed(slug, std::string("token_") + reason);
    log_event(log_level::warning, "token_refused", {{"provider", slug}, {"reason", reason}});
    send_error(req, res, 400, detail);
  };
  if (code.empty() || code.size() > 256) co_return refuse("missing code", "The 'code' field is missing.");
  // One check-and-delete: only the browser the code was issued to redeems (and so uses it up);
  // anyone else's attempt leaves it for that browser.
  auto claim = co_await deps_.login_codes.redeem_for(code, binding_hash_of(req), slug);
  if (claim.status == login_code_status::other_browser)
    co_return refuse("browser mismatch", "This sign-in code was issued to another browser. Sign in again here.");
  if (claim.status == login_code_status::other_provider)
    co_return refuse("provider mismatch", "This sign-in code was issued for another provider.");
  if (claim.status != login_code_status::redeemed || !claim.record)
    co_return refuse("unknown code", "This sign-in code is invalid, expired or already used. Sign in again.");
  const auto& record = claim.record;
  if (!record->refusal.empty()) co_return refuse("refused login", record->refusal);

  auto session = co_await deps_.sessions.create(record->user_id, slug, req.get_header_value("User-Agent"));
  set_session_cookies(res, session);
  send_json(res, 200, nlohmann::json{{"key", session.secret}}.dump());
}

}  // namespace sg
