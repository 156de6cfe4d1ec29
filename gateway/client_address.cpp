#include "gateway/client_address.hpp"

namespace sg {
namespace {
bool trusted(const std::string& ip, const std::vector<ip_range>& proxies) {
  for (const auto& range : proxies)
    if (range.contains(ip)) return true;
  return false;
}
std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s;
}
}  // namespace

std::string client_address(const std::string& peer, const std::string& forwarded_for,
                           const std::vector<ip_range>& trusted_proxies) {
  if (forwarded_for.empty() || !trusted(peer, trusted_proxies)) return peer;
  std::string candidate = peer;
  std::size_t end = forwarded_for.size();
  while (true) {
    auto comma = forwarded_for.rfind(',', end == 0 ? 0 : end - 1);
    auto start = comma == std::string::npos ? 0 : comma + 1;
    auto hop = trim(forwarded_for.substr(start, end - start));
    if (!parse_ip(hop)) return candidate;  // garbage: stop at the last address we could trust
    candidate = hop;
    if (!trusted(hop, trusted_proxies) || comma == std::string::npos) return candidate;
    end = comma;
  }
}

}  // namespace sg
