// The `next` policy: whatever it accepts is a safe relative path or on the allowed origin.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/url.hpp"
#include "gateway/next_url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const sg::next_url_policy policy({"https://cvat.example.com"});
  std::string input(reinterpret_cast<const char*>(data), size);
  auto accepted = policy.validate(input);
  if (!accepted || input.empty()) return 0;
  for (unsigned char c : *accepted)
    if (c < 0x21 || c == 0x7f || c == '\\' || c >= 0x80) std::abort();
  if (accepted->front() == '/') {
    if (accepted->size() > 1 && ((*accepted)[1] == '/' || (*accepted)[1] == '\\')) std::abort();
    auto decoded = sg::url_decode(*accepted);
    if (!decoded || (decoded->size() > 1 && ((*decoded)[1] == '/' || (*decoded)[1] == '\\'))) std::abort();
  } else {
    auto parts = sg::parse_http_url(*accepted);
    if (!parts || parts->origin() != "https://cvat.example.com") std::abort();
  }
  return 0;
}
