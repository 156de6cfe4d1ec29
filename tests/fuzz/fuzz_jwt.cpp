// ID tokens and key sets from a hostile IdP: refusals are jwt_error, never a crash; nothing
// verifies against an empty key set.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "providers/oidc/jwt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  auto split = input.find('\n');
  auto token = input.substr(0, split);
  auto jwks = split == std::string::npos ? "" : input.substr(split + 1);
  std::vector<sg::oidc::jwk> keys;
  try {
    keys = sg::oidc::parse_jwks(jwks);
  } catch (const std::runtime_error&) {
  }
  try {
    sg::oidc::parse_jwt(token);
  } catch (const sg::oidc::jwt_error&) {
  }
  try {
    sg::oidc::verify_id_token(token, keys, sg::oidc::supported_algorithms(), {"https://idp", "client", "nonce", 1800000000, 60});
    if (keys.empty()) std::abort();  // verified without any key
  } catch (const sg::oidc::jwt_error&) {
  }
  return 0;
}
