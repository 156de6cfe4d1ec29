#pragma once
// IPv4/IPv6 addresses and CIDR ranges: the trusted-proxy list, and the key that per-address
// limits count a client under.
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

// What per-address limits (rate limits, login starts, connections) count a client under. One
// IPv6 host is usually given a whole /64 and can pick any address in it, so an IPv6 client is
// its network of `ipv6_prefix_length` bits ("2001:db8:1:2::/64"); an IPv4 client, also one seen
// IPv4-mapped on a dual-stack socket ("::ffff:192.0.2.7"), is its plain address ("192.0.2.7").
// Text that is not an address comes back unchanged.
std::string address_key(std::string_view ip, int ipv6_prefix_length);

}  // namespace sg
