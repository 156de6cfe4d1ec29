// Who is making this request: a session cookie, or `Authorization: Token|Bearer <key>`.
#include <cctype>

#include "gateway/cookies.hpp"
#include "gateway/gateway.hpp"

namespace sg {

std::optional<authenticated_request> gateway::credentials_of(const http_request& req) const {
  authenticated_request auth;
  auto header = req.get_header_value("Authorization");
  if (!header.empty()) {
    auto space = header.find(' ');
    std::string scheme = header.substr(0, space);
    for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if ((scheme == "token" || scheme == "bearer") && space != std::string::npos) auth.secret = header.substr(space + 1);
  } else {
    auth.secret = cookie(req, deps_.config.session_cookie_name);
    auth.via_cookie = true;
  }
  // Reject what cannot be one of our tokens before hashing or asking Redis.
  if (!looks_like_token(auth.secret)) return std::nullopt;
  return auth;
}

task<std::optional<authenticated_request>> gateway::authenticate(const http_request& req) {
  auto auth = credentials_of(req);
  if (!auth) co_return std::nullopt;
  auto session = co_await deps_.sessions.find(auth->secret);
  if (!session) co_return std::nullopt;
  auth->session = std::move(*session);
  co_return auth;
}

}  // namespace sg
