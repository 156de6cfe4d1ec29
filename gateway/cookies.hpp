#pragma once
// Cookie parsing (bounded, first value wins) and Set-Cookie construction.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sg {

constexpr std::size_t max_cookie_header_bytes = 8192;
constexpr std::size_t max_cookie_count = 64;

// nullopt when the header is over the limits: the caller answers 400.
std::optional<std::map<std::string, std::string>> parse_cookie_header(std::string_view header);

struct cookie_attributes {
  long max_age = -1;  // -1: session cookie; 0: delete
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";
  std::string path = "/";
};
std::string make_set_cookie(const std::string& name, const std::string& value, const cookie_attributes& attributes);

// Session ids, keys and binding values are base64url tokens; anything else is not one of ours.
bool looks_like_token(std::string_view value);

}  // namespace sg
