#include "gateway/cvat_login_options.hpp"

#include <algorithm>

#include "core/utf8.hpp"

namespace sg {
namespace {
bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}
}  // namespace

cvat_login_options_result parse_cvat_login_options(const std::string& process, const std::string& scope,
                                                   const std::string& auth_params, const provider_descriptor& idp) {
  cvat_login_options options;
  if (!process.empty()) {
    if (process != "login" && process != "connect") return {std::nullopt, "'process' must be 'login' or 'connect'."};
    options.process = process;
  }
  if (scope.size() > 512 || auth_params.size() > 1024) return {std::nullopt, "'scope' or 'auth_params' is too long."};
  options.scope_text = scope;
  options.auth_params_text = auth_params;

  const auto& allowed_scopes = idp.allowed_extra_scopes;
  std::string token;
  for (std::size_t i = 0; i <= scope.size(); ++i) {
    if (i == scope.size() || scope[i] == ' ' || scope[i] == ',') {
      if (!token.empty()) {
        if (!contains(allowed_scopes, token)) return {std::nullopt, "The scope '" + token + "' is not allowed."};
        if (!contains(options.extra_scopes, token)) options.extra_scopes.push_back(token);
      }
      token.clear();
    } else {
      token += scope[i];
    }
  }

  if (!auth_params.empty()) {
    auto params = parse_form(auth_params);
    if (!params) return {std::nullopt, "'auth_params' is not a valid query string."};
    const auto& allowed = idp.allowed_auth_params;
    for (const auto& [name, value] : *params) {
      if (!contains(allowed, name)) return {std::nullopt, "The authorization parameter '" + name + "' is not allowed."};
      if (value.size() > 256) return {std::nullopt, "The authorization parameter '" + name + "' is too long."};
      // `auth_params` is percent-decoded a second time here; the request-level UTF-8 check saw
      // only the first decoding.
      if (!is_valid_utf8(value)) return {std::nullopt, "'auth_params' holds invalid UTF-8."};
      options.extra_params.emplace_back(name, value);
    }
  }
  return {options, ""};
}

}  // namespace sg
