#pragma once
// Percent-encoding, query strings and URL splitting (RFC 3986), strict on malformed input.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sg {

// Encodes everything except RFC 3986 unreserved characters.
std::string url_encode(std::string_view value);
// Decodes %XX and, when `plus_is_space`, '+'; nullopt on a malformed escape.
std::optional<std::string> url_decode(std::string_view value, bool plus_is_space = false);

using query_params = std::vector<std::pair<std::string, std::string>>;
std::string build_query(const query_params& params);
// application/x-www-form-urlencoded; nullopt on malformed escapes.
std::optional<query_params> parse_form(std::string_view body);
std::optional<std::string> find_param(const query_params& params, std::string_view name);

struct url_parts {
  std::string scheme;  // lower case
  std::string host;    // lower case
  int port = 0;        // explicit or the scheme's default
  std::string path;    // with query; "" when absent
  std::string origin() const;
};
// Accepts http(s)://host[:port][/path]; rejects userinfo, whitespace and control characters,
// hosts with characters outside [A-Za-z0-9._-] (or a bracketed IPv6 literal), and any port that
// is not 1 to 5 digits in 1..65535 ("host:", "host:+80", "host:a:80", "host:80:80").
std::optional<url_parts> parse_http_url(std::string_view url);

}  // namespace sg
