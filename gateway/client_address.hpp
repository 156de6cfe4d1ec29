#pragma once
// The client's address for rate limits: the socket peer, or, when the peer is a trusted
// proxy, the right-most address in X-Forwarded-For that is not itself a trusted proxy (the
// left part of that header is whatever the client chose to send).
#include <string>
#include <vector>

#include "core/cidr.hpp"

namespace sg {

std::string client_address(const std::string& peer, const std::string& forwarded_for,
                           const std::vector<ip_range>& trusted_proxies);

}  // namespace sg
