#include "core/url.hpp"

#include <algorithm>
#include <cctype>

namespace sg {

std::string url_encode(std::string_view value) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> url_decode(std::string_view value, bool plus_is_space) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '%') {
      if (i + 2 >= value.size()) return std::nullopt;
      int hi = hex_value(value[i + 1]), lo = hex_value(value[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string build_query(const query_params& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += url_encode(name);
    out += '=';
    out += url_encode(value);
  }
  return out;
}

std::optional<query_params> parse_form(std::string_view body) {
  query_params out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq), true);
    auto value = url_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::string> find_param(const query_params& params, std::string_view name) {
  for (const auto& [key, value] : params)
    if (key == name) return value;
  return std::nullopt;
}

std::string url_parts::origin() const {
  bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  return scheme + "://" + host + (default_port ? "" : ":" + std::to_string(port));
}

namespace {
// A registered name or IPv4 address: ASCII letters, digits, '-', '.', '_' only. Anything else
// (a second ':', '%', '+', non-ASCII bytes) is refused rather than guessed at, because the
// parsed host decides origin checks (`next`, the insecure-http switch, discovery endpoints).
bool valid_host_name(std::string_view host) {
  if (host.empty()) return false;
  for (unsigned char c : host)
    if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) return false;
  return true;
}

// "[...]" with hex digits, ':' and '.' (an embedded IPv4) inside; no zone ids.
bool valid_ipv6_literal(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  auto inner = host.substr(1, host.size() - 2);
  if (inner.find(':') == std::string_view::npos) return false;
  for (unsigned char c : inner)
    if (!(std::isxdigit(c) || c == ':' || c == '.')) return false;
  return true;
}

// 1 to 5 ASCII digits, 1..65535: no sign, no empty port, no trailing junk, no second port.
std::optional<int> strict_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  int value = 0;
  for (unsigned char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return std::nullopt;
  return value;
}
}  // namespace

std::optional<url_parts> parse_http_url(std::string_view url) {
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  url_parts parts;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  parts.scheme = std::string(url.substr(0, scheme_end));
  std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (parts.scheme != "http" && parts.scheme != "https") return std::nullopt;
  auto rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  parts.path = authority_end == std::string_view::npos ? "" : std::string(rest.substr(authority_end));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  std::optional<std::string_view> port;  // present (possibly empty) when a ':' follows the host
  if (authority.front() == '[') {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
    if (!valid_ipv6_literal(host)) return std::nullopt;
  } else {
    // The first ':' ends the host: "host:port:80" is a host with the port "port:80" (refused),
    // never the host "host:port" on port 80.
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!valid_host_name(host)) return std::nullopt;
  }
  parts.host = std::string(host);
  std::transform(parts.host.begin(), parts.host.end(), parts.host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  parts.port = parts.scheme == "https" ? 443 : 80;
  if (port) {
    auto value = strict_port(*port);
    if (!value) return std::nullopt;
    parts.port = *value;
  }
  return parts;
}

}  // namespace sg
