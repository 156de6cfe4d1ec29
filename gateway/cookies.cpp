#include "gateway/cookies.hpp"

#include <cctype>

#include "core/text.hpp"

namespace sg {
std::optional<std::map<std::string, std::string>> parse_cookie_header(std::string_view header) {
  if (header.size() > max_cookie_header_bytes) return std::nullopt;
  std::map<std::string, std::string> cookies;
  std::size_t count = 0;
  while (!header.empty()) {
    auto semi = header.find(';');
    auto pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    if (pair.empty()) continue;
    if (++count > max_cookie_count) return std::nullopt;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    auto name = trim(pair.substr(0, eq));
    auto value = trim(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    cookies.emplace(std::string(name), std::string(value));  // emplace keeps the first
  }
  return cookies;
}

std::string make_set_cookie(const std::string& name, const std::string& value, const cookie_attributes& given) {
  auto a = given;
  // A __Host- cookie without these is dropped by the browser: never send one that would be.
  if (name.rfind("__Host-", 0) == 0) {
    a.secure = true;
    a.path = "/";
  }
  std::string out = name + "=" + value + "; Path=" + a.path;
  if (a.max_age >= 0) out += "; Max-Age=" + std::to_string(a.max_age);
  if (a.max_age == 0) out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  if (a.http_only) out += "; HttpOnly";
  if (a.secure) out += "; Secure";
  if (!a.same_site.empty()) out += "; SameSite=" + a.same_site;
  return out;
}

bool looks_like_token(std::string_view value) {
  if (value.size() < 16 || value.size() > 128) return false;
  for (unsigned char c : value)
    if (!(std::isalnum(c) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace sg
