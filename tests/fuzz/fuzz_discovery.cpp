// OIDC discovery documents and ID-token/UserInfo claims: provider_error or a value, nothing else.
// Discovery runs under both endpoint policies (https only; insecure allowed with extra origins).
#include <cstdint>
#include <string>

#include "core/bounded_json.hpp"
#include "providers/oidc/oidc_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  for (const auto& policy : {sg::oidc::endpoint_policy{}, sg::oidc::endpoint_policy{true, {"https://other.example", "http://[::1]:8080"}}}) {
    try {
      sg::oidc::parse_discovery(body, "https://idp.example", policy);
    } catch (const sg::provider_error&) {
    }
  }
  if (auto doc = sg::parse_bounded_json(body); doc && doc->is_object()) sg::oidc::identity_from_claims(*doc, "fuzz");
  return 0;
}
