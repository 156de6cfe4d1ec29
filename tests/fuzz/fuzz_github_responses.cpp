// GitHub's answers (token, /user, /user/emails): hostile bodies give provider_error, never a
// crash, a hang or another exception.
#include <cstdint>
#include <string>

#include "providers/github_provider.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  try { sg::parse_github_token_response({200, body, "application/json"}); } catch (const sg::provider_error&) {}
  try { sg::parse_github_user(body); } catch (const sg::provider_error&) {}
  try {
    auto email = sg::pick_github_email(body);
    (void)email;
  } catch (const sg::provider_error&) {}
  return 0;
}
