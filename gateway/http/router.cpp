#include "gateway/http/router.hpp"

#include <algorithm>

namespace sg {

namespace {
// The paths a pattern matches when it is a plain path, optionally ending in "/?"; empty when it
// uses any other regular-expression syntax.
std::vector<std::string> literal_forms(const std::string& pattern) {
  std::string base = pattern;
  bool optional_slash = base.size() >= 2 && base.compare(base.size() - 2, 2, "/?") == 0;
  if (optional_slash) base.resize(base.size() - 2);
  if (base.find_first_of("\\^$.|?*+()[]{}") != std::string::npos) return {};
  if (optional_slash) return {base, base + "/"};
  return {base};
}
}  // namespace

void router::add(std::string method, const std::string& path_pattern, route_handler handler) {
  std::regex pattern(path_pattern, std::regex::ECMAScript);
  for (const auto& path : literal_forms(path_pattern)) {
    bool shadowed = false;
    for (const auto& earlier : routes_) shadowed = shadowed || std::regex_match(path, earlier.pattern);
    if (!shadowed) literal_[path].push_back(routes_.size());
  }
  routes_.push_back(route{std::move(method), std::move(pattern), std::move(handler)});
}

router::lookup router::find(http_request& request) const {
  const std::string method = request.method == "HEAD" ? std::string("GET") : request.method;
  lookup result;
  if (auto literal = literal_.find(request.path); literal != literal_.end())
    for (auto index : literal->second)
      if (routes_[index].method == method) {
        request.matches.assign(1, request.path);
        result.handler = &routes_[index].handler;
        result.status = 200;
        return result;
      }
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
