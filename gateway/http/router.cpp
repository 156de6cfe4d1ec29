#include "gateway/http/router.hpp"

#include <algorithm>

namespace sg {

void router::add(std::string method, const std::string& path_pattern, route_handler handler) {
  routes_.push_back(route{std::move(method), std::regex(path_pattern, std::regex::ECMAScript), std::move(handler)});
}

router::lookup router::find(http_request& request) const {
  const std::string method = request.method == "HEAD" ? std::string("GET") : request.method;
  lookup result;
  std::vector<std::string> allowed;  // methods whose pattern matches the path, in the order added
  std::smatch match;
  for (const auto& r : routes_) {
    if (!std::regex_match(request.path, match, r.pattern)) continue;
    if (r.method == method) {
      request.matches.assign(match.begin(), match.end());
      result.handler = &r.handler;
      result.status = 200;
      return result;
    }
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) allowed.push_back(r.method);
  }
  if (allowed.empty()) return result;  // 404
  result.status = 405;
  for (const auto& m : allowed) result.allow += (result.allow.empty() ? "" : ", ") + m;
  return result;
}

}  // namespace sg
