// CVAT's process/scope/auth_params: whatever passes contains only allow-listed names.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/cvat_login_options.hpp"

namespace {
sg::provider_descriptor fake_provider() {
  sg::provider_descriptor d;
  d.slug = "fake";
  d.allowed_extra_scopes = {"read:org"};
  d.allowed_auth_params = {"login", "prompt"};
  return d;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sg::provider_descriptor idp = fake_provider();
  std::string input(reinterpret_cast<const char*>(data), size);
  auto first = input.find('\n'), second = input.find('\n', first == std::string::npos ? 0 : first + 1);
  auto process = input.substr(0, first);
  auto scope = first == std::string::npos ? "" : input.substr(first + 1, second - first - 1);
  auto params = second == std::string::npos ? "" : input.substr(second + 1);
  auto result = sg::parse_cvat_login_options(process, scope, params, idp);
  if (!result.options) return 0;
  for (const auto& s : result.options->extra_scopes)
    if (s != "read:org") std::abort();
  for (const auto& [name, value] : result.options->extra_params)
    if (name != "login" && name != "prompt") std::abort();
  return 0;
}
