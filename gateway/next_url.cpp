#include "gateway/next_url.hpp"

#include "core/url.hpp"

namespace sg {
namespace {

// The raw value must be plain printable ASCII (a browser sends non-ASCII percent-encoded).
bool has_forbidden_character(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x21 || c == 0x7f || c == '\\' || c >= 0x80) return true;  // controls, space, backslash, non-ASCII
  return false;
}

// A decoded layer may hold UTF-8 text or spaces, but never controls or backslashes, which
// browsers strip or turn into slashes.
bool has_dangerous_decoded_character(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f || c == '\\') return true;
  return false;
}

// A safe site-relative reference: one leading slash, then not a second slash or backslash,
// nor a non-ASCII character (Unicode slash look-alikes such as U+2215 or U+FF0F, which some
// normalising proxies and frameworks turn into '/').
bool is_safe_relative(std::string_view s) {
  if (s.empty() || s.front() != '/') return false;
  if (s.size() == 1) return true;
  unsigned char second = static_cast<unsigned char>(s[1]);
  return second != '/' && second != '\\' && second < 0x80;
}

}  // namespace

std::optional<std::string> next_url_policy::validate(std::string_view next) const {
  if (next.empty()) return std::string("/");
  if (next.size() > 2048 || has_forbidden_character(next)) return std::nullopt;

  // Browsers and proxies may decode again: every decoding layer must still be safe, so
  // "/%2F%2Fevil.example" or "/%5Cevil.example" are refused like their decoded forms.
  std::string layer(next);
  for (int depth = 0; depth < 4; ++depth) {
    auto decoded = url_decode(layer);
    if (!decoded) return std::nullopt;
    if (*decoded == layer) break;
    if (has_dangerous_decoded_character(*decoded)) return std::nullopt;
    if (next.front() == '/' && !is_safe_relative(*decoded)) return std::nullopt;
    layer = *decoded;
    if (depth == 3) return std::nullopt;  // absurdly nested encodings are not a real landing page
  }

  if (next.front() == '/') {
    if (!is_safe_relative(next) || !is_safe_relative(layer)) return std::nullopt;
    return std::string(next);
  }
  // Absolute: the decoded form must parse as http(s) without userinfo and match an allowed origin.
  auto parts = parse_http_url(layer);
  auto raw = parse_http_url(next);
  if (!parts || !raw) return std::nullopt;
  for (const auto& origin : allowed_origins_)
    if (raw->origin() == origin && parts->origin() == origin) return std::string(next);
  return std::nullopt;
}

}  // namespace sg
