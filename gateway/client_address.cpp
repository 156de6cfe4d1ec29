#include "gateway/client_address.hpp"

#include "core/text.hpp"

namespace sg {
std::string client_address(const std::string& peer, const std::string& forwarded_for,
                           const std::vector<ip_range>& trusted_proxies) {
  if (forwarded_for.empty() || !in_any_range(peer, trusted_proxies)) return peer;
  std::vector<std::string> hops;
  std::size_t start = 0;
  while (start <= forwarded_for.size()) {
    auto comma = forwarded_for.find(',', start);
    auto end = comma == std::string::npos ? forwarded_for.size() : comma;
    hops.emplace_back(trim(std::string_view(forwarded_for).substr(start, end - start)));
    start = end + 1;
  }
  // Walk from the nearest hop outwards; stop at the first one that is not a trusted proxy.
  std::string candidate = peer;
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    if (!parse_ip(*hop)) return candidate;  // garbage: stop at the last address we could trust
    candidate = *hop;
    if (!in_any_range(*hop, trusted_proxies)) return candidate;
  }
  return candidate;
}

}  // namespace sg
