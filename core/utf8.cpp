#include "core/utf8.hpp"

namespace sg {

std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  std::size_t length;
  char32_t value;
  char32_t minimum;  // below it the form is overlong
  if ((lead & 0xe0) == 0xc0) {
    length = 2, value = lead & 0x1f, minimum = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, value = lead & 0x0f, minimum = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return std::nullopt;  // a continuation byte or 0xF8..0xFF where a character must start
  }
  if (text.size() - pos < length) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    unsigned char c = byte(pos + i);
    if ((c & 0xc0) != 0x80) return std::nullopt;
    value = (value << 6) | (c & 0x3f);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return std::nullopt;
  pos += length;
  return value;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size())
    if (!next_code_point(text, pos)) return false;
  return true;
}

}  // namespace sg
