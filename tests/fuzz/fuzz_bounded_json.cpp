// JSON from outside: bounded parsing never overflows the stack or throws.
#include <cstdint>
#include <string>

#include "core/bounded_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sg::parse_bounded_json(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
