#include "core/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sg {

std::optional<std::array<unsigned char, 16>> parse_ip(std::string_view text) {
  std::string s(text);
  std::array<unsigned char, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<ip_range> parse_ip_range(std::string_view text) {
  auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  ip_range range;
  range.address = *ip;
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  range.prefix_length = 128;
  if (slash != std::string_view::npos) {
    auto bits_text = text.substr(slash + 1);
    int bits = -1;
    auto [end, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
    if (ec != std::errc{} || end != bits_text.data() + bits_text.size() || bits < 0 || bits > (v4 ? 32 : 128))
      return std::nullopt;
    range.prefix_length = v4 ? bits + 96 : bits;
  }
  return range;
}

bool ip_range::contains(std::string_view ip) const {
  auto candidate = parse_ip(ip);
  if (!candidate) return false;
  int bits = prefix_length;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if (((*candidate)[i] & mask) != (address[i] & mask)) return false;
  }
  return true;
}

std::string address_key(std::string_view ip, int ipv6_prefix_length) {
  auto parsed = parse_ip(ip);
  if (!parsed) return std::string(ip);
  auto& bytes = *parsed;
  char text[INET6_ADDRSTRLEN] = {};
  static constexpr unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(bytes.data(), v4_mapped, sizeof v4_mapped) == 0) {
    inet_ntop(AF_INET, bytes.data() + 12, text, sizeof text);
    return text;
  }
  if (ipv6_prefix_length >= 128) {
    inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
    return text;
  }
  int bits = ipv6_prefix_length;
  for (auto& byte : bytes) {
    byte &= bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<unsigned char>(0xff << (8 - bits));
    bits -= 8;
  }
  inet_ntop(AF_INET6, bytes.data(), text, sizeof text);
  return std::string(text) + "/" + std::to_string(ipv6_prefix_length);
}

bool in_any_range(std::string_view ip, const std::vector<ip_range>& ranges) {
  for (const auto& range : ranges)
    if (range.contains(ip)) return true;
  return false;
}

}  // namespace sg
