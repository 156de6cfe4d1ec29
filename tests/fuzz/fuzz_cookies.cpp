// The Cookie header parser: bounded, never crashes, never returns more cookies than allowed.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/cookies.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  if (auto cookies = sg::parse_cookie_header(input)) {
    if (cookies->size() > sg::max_cookie_count) std::abort();
    for (const auto& [name, value] : *cookies) sg::looks_like_token(value);
  }
  return 0;
}
