// CVAT's process/scope/auth_params: whatever passes contains only allow-listed names.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/cvat_login_options.hpp"

namespace {
struct fake_provider : sg::provider {
  std::string slug() const override { return "fake"; }
  std::string public_name() const override { return "Fake"; }
  std::string icon_svg() const override { return ""; }
  std::string redirect_uri() const override { return ""; }
  std::string authorize_url(const sg::authorize_request&) override { return ""; }
  std::vector<std::string> allowed_extra_scopes() const override { return {"read:org"}; }
  std::vector<std::string> allowed_auth_params() const override { return {"login", "prompt"}; }
  sg::external_identity fetch_identity(const sg::code_exchange&) override { return {}; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fake_provider idp;
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
