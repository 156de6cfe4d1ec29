#pragma once
// IPv4/IPv6 addresses and CIDR ranges, for the trusted-proxy list.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

struct ip_range {
  std::array<unsigned char, 16> address{};  // IPv4 stored as IPv4-mapped IPv6
  int prefix_length = 128;
  bool contains(std::string_view ip) const;
};

// "10.0.0.0/8", "192.168.1.7", "fd00::/8"; nullopt when malformed.
std::optional<ip_range> parse_ip_range(std::string_view text);
std::optional<std::array<unsigned char, 16>> parse_ip(std::string_view text);
// True when `ip` is in one of the ranges.
bool in_any_range(std::string_view ip, const std::vector<ip_range>& ranges);

}  // namespace sg
