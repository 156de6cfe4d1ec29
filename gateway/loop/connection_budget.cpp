#include "gateway/loop/connection_budget.hpp"

namespace sg {

connection_budget::connection_budget(std::size_t max_total, std::size_t max_per_address, std::vector<ip_range> exempt,
                                     int ipv6_prefix_length)
    : max_total_(max_total),
      max_per_address_(max_per_address),
      exempt_(std::move(exempt)),
      ipv6_prefix_length_(ipv6_prefix_length) {}

connection_budget::verdict connection_budget::admit(const std::string& peer_address) {
  std::lock_guard lock(mutex_);
  if (total_ >= max_total_) return verdict::over_total;
  auto key = address_key(peer_address, ipv6_prefix_length_);
  auto& mine = per_address_[key];
  if (mine >= max_per_address_ && !in_any_range(peer_address, exempt_)) {
    if (mine == 0) per_address_.erase(key);
    return verdict::over_address;
  }
  ++mine;
  ++total_;
  return verdict::admitted;
}

void connection_budget::release(const std::string& peer_address) {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(address_key(peer_address, ipv6_prefix_length_));
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
  --total_;
}

std::size_t connection_budget::open() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace sg
