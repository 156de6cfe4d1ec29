// X-Forwarded-For handling: the answer is the peer or an address that appears in the header;
// and the per-address key of that answer is an address or a network that contains it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gateway/client_address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<sg::ip_range> proxies = {*sg::parse_ip_range("10.0.0.0/8"), *sg::parse_ip_range("fd00::/8")};
  std::string header(reinterpret_cast<const char*>(data), size);
  auto client = sg::client_address("10.0.0.1", header, proxies);
  if (client != "10.0.0.1" && (header.find(client) == std::string::npos || !sg::parse_ip(client))) std::abort();
  for (int prefix : {32, 64, 127, 128}) {
    auto key = sg::address_key(client, prefix);
    auto network = sg::parse_ip_range(key);
    if (!network || !network->contains(client)) std::abort();
  }
  sg::parse_ip_range(header);
  return 0;
}
