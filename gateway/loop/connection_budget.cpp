#include "gateway/loop/connection_budget.hpp"

namespace sg {

connection_budget::connection_budget(std::size_t max_total, std::size_t max_per_address, std::vector<ip_range> exempt)
    : max_total_(max_total), max_per_address_(max_per_address), exempt_(std::move(exempt)) {}

connection_budget::verdict connection_budget::admit(const std::string& peer_address) {
  std::lock_guard lock(mutex_);
  if (total_ >= max_total_) return verdict::over_total;
  auto& mine = per_address_[peer_address];
  if (mine >= max_per_address_ && !in_any_range(peer_address, exempt_)) {
    if (mine == 0) per_address_.erase(peer_address);
    return verdict::over_address;
  }
  ++mine;
  ++total_;
  return verdict::admitted;
}

void connection_budget::release(const std::string& peer_address) {
  std::lock_guard lock(mutex_);
  auto it = per_address_.find(peer_address);
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
  --total_;
}

std::size_t connection_budget::open() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace sg
