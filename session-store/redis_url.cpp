#include "session-store/redis_url.hpp"

#include <charconv>

#include "core/env_config.hpp"
#include "core/url.hpp"

namespace sg {
namespace {
int parse_int(const std::string& text, int minimum, int maximum, const std::string& what) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < minimum || value > maximum)
    throw config_error("REDIS_URL", "invalid " + what + " '" + text + "'");
  return value;
}
}  // namespace

redis_endpoint parse_redis_url(const std::string& url) {
  redis_endpoint endpoint;
  endpoint.tls = url.rfind("rediss://", 0) == 0;
  if (!endpoint.tls && url.rfind("redis://", 0) != 0)
    throw config_error("REDIS_URL", "expected redis://[user:password@]host:port/db (or rediss:// for TLS)");
  std::string rest = url.substr(endpoint.tls ? 9 : 8);
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    auto user = url_decode(credentials.substr(0, colon));
    auto password = url_decode(colon == std::string::npos ? "" : credentials.substr(colon + 1));
    if (!user || !password) throw config_error("REDIS_URL", "malformed percent-encoding in the credentials");
    if (colon == std::string::npos) {
      endpoint.password = *user;  // redis://password@host is a common shorthand
    } else {
      endpoint.username = *user;
      endpoint.password = *password;
    }
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos && slash + 1 < rest.size())
    endpoint.database = parse_int(rest.substr(slash + 1), 0, 1000000, "database number");
  auto colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) throw config_error("REDIS_URL", "unterminated IPv6 address");
    endpoint.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) endpoint.port = parse_int(authority.substr(close + 2), 1, 65535, "port");
  } else if (colon != std::string::npos) {
    endpoint.host = authority.substr(0, colon);
    endpoint.port = parse_int(authority.substr(colon + 1), 1, 65535, "port");
  } else if (!authority.empty()) {
    endpoint.host = authority;
  }
  if (endpoint.host.empty()) throw config_error("REDIS_URL", "missing host");
  return endpoint;
}

}  // namespace sg
