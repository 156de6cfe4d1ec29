// Query strings, percent-decoding and URL splitting: never crash; encoding round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  sg::url_decode(input, true);
  sg::parse_http_url(input);
  if (auto params = sg::parse_form(input)) {
    // What we build we must parse back to the same pairs.
    auto again = sg::parse_form(sg::build_query(*params));
    if (!again || *again != *params) std::abort();
  }
  if (sg::url_decode(sg::url_encode(input)) != input) std::abort();
  return 0;
}
