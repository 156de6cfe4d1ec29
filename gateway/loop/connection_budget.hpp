#pragma once
// The connection caps of one replica, shared by all its event loops: at most
// SOCIALGATE_MAX_CONNECTIONS in all and SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS per TCP peer
// (addresses in SOCIAL_AUTH_TRUSTED_PROXIES are exempt from the second: a load balancer is one
// peer for everyone behind it). A peer counts under its address_key: an IPv6 peer is its network
// of `ipv6_prefix_length` bits, since one host can pick any address of its /64.
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cidr.hpp"

namespace sg {

class connection_budget {
 public:
  connection_budget(std::size_t max_total, std::size_t max_per_address, std::vector<ip_range> exempt,
                    int ipv6_prefix_length = 64);

  enum class verdict { admitted, over_total, over_address };
  // Counts the connection when admitted; a refused one is not counted (nothing to release).
  verdict admit(const std::string& peer_address);
  void release(const std::string& peer_address);
  std::size_t open() const;

 private:
  const std::size_t max_total_;
  const std::size_t max_per_address_;
  const std::vector<ip_range> exempt_;
  const int ipv6_prefix_length_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  std::unordered_map<std::string, std::size_t> per_address_;
};

}  // namespace sg
