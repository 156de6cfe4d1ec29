// Query strings, percent-decoding and URL splitting: never crash; encoding round-trips.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/url.hpp"
#include "core/utf8.hpp"

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
  // The validator must agree with a plain decoder: text it accepts decodes to code points in
  // range, none a surrogate, each in its shortest form; and it never reads past the end.
  if (sg::is_valid_utf8(input)) {
    for (std::size_t i = 0; i < input.size();) {
      auto b = static_cast<unsigned char>(input[i]);
      std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      if (i + len > input.size()) std::abort();
      std::uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(input[i + k]) & 0x3F);
      std::uint32_t min = len == 1 ? 0 : len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) std::abort();
      i += len;
    }
  }
  return 0;
}
