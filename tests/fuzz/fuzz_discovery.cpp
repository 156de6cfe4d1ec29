// OIDC discovery documents and ID-token/UserInfo claims: provider_error or a value, nothing else.
#include <cstdint>
#include <string>

#include "core/bounded_json.hpp"
#include "providers/oidc/oidc_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try {
    sg::oidc::parse_discovery(body, "https://idp.example");
  } catch (const sg::provider_error&) {
  }
  if (auto doc = sg::parse_bounded_json(body); doc && doc->is_object()) sg::oidc::identity_from_claims(*doc, "fuzz");
  return 0;
}
