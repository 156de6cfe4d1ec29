#include "session-store/redis_settings.hpp"

#include <charconv>

#include "core/env_config.hpp"

namespace sg {

const char* redis_mode_name(redis_mode mode) {
  switch (mode) {
    case redis_mode::standalone: return "standalone";
    case redis_mode::sentinel: return "sentinel";
    case redis_mode::cluster: return "cluster";
  }
  return "standalone";
}

std::string redis_address::text() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

redis_endpoint redis_settings::data_at(const redis_address& address) const {
  redis_endpoint endpoint = data;
  endpoint.host = address.host;
  endpoint.port = address.port;
  return endpoint;
}

redis_endpoint redis_settings::sentinel_at(const redis_address& address) const {
  redis_endpoint endpoint;
  endpoint.host = address.host;
  endpoint.port = address.port;
  endpoint.password = sentinel_password;
  endpoint.tls = data.tls;
  return endpoint;
}

std::vector<redis_address> parse_redis_addresses(const std::string& variable, const std::string& text) {
  std::vector<redis_address> addresses;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (item.empty()) throw config_error(variable, "an empty address in the list; expected host:port,host:port");
    redis_address address;
    std::string port_text;
    if (item.front() == '[') {
      auto close = item.find(']');
      if (close == std::string::npos || close + 1 >= item.size() || item[close + 1] != ':')
        throw config_error(variable, "expected [IPv6]:port, got '" + item + "'");
      address.host = item.substr(1, close - 1);
      port_text = item.substr(close + 2);
    } else {
      auto colon = item.rfind(':');
      if (colon == std::string::npos || item.find(':') != colon)
        throw config_error(variable, "expected host:port, got '" + item + "'");
      address.host = item.substr(0, colon);
      port_text = item.substr(colon + 1);
    }
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (address.host.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535)
      throw config_error(variable, "expected host:port with a port from 1 to 65535, got '" + item + "'");
    for (char c : address.host)
      if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@')
        throw config_error(variable, "invalid host in '" + item + "'");
    address.port = port;
    addresses.push_back(std::move(address));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (addresses.empty()) throw config_error(variable, "no address given");
  return addresses;
}

redis_settings redis_settings_from(const service_config& config) {
  redis_settings settings;
  settings.data = parse_redis_url(config.redis_url);
  settings.connections = static_cast<std::size_t>(config.redis_pool_size);
  bool sentinel = !config.redis_sentinels.empty();
  bool cluster = !config.redis_cluster_nodes.empty();
  if (sentinel && cluster)
    throw config_error("REDIS_CLUSTER_NODES", "set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both");
  if (sentinel) {
    settings.mode = redis_mode::sentinel;
    settings.sentinels = parse_redis_addresses("REDIS_SENTINELS", config.redis_sentinels);
    settings.sentinel_master = config.redis_sentinel_master;
    if (settings.sentinel_master.empty())
      throw config_error("REDIS_SENTINEL_MASTER", "required with REDIS_SENTINELS: the master's name the sentinels monitor");
    settings.sentinel_password = config.redis_sentinel_password;
  } else {
    if (!config.redis_sentinel_master.empty())
      throw config_error("REDIS_SENTINEL_MASTER", "set without REDIS_SENTINELS (the sentinels to ask)");
    if (!config.redis_sentinel_password.empty())
      throw config_error("REDIS_SENTINEL_PASSWORD", "set without REDIS_SENTINELS (the sentinels to ask)");
  }
  if (cluster) {
    settings.mode = redis_mode::cluster;
    settings.cluster_nodes = parse_redis_addresses("REDIS_CLUSTER_NODES", config.redis_cluster_nodes);
    if (settings.data.database != 0)
      throw config_error("REDIS_URL", "Redis Cluster has only database 0; REDIS_URL names database " +
                                          std::to_string(settings.data.database) + " (use a key prefix instead: SOCIAL_AUTH_REDIS_PREFIX)");
  }
  settings.tls.enabled = settings.data.tls;
  settings.tls.ca_file = config.redis_ca_file;
  settings.tls.cert_file = config.redis_cert_file;
  settings.tls.key_file = config.redis_key_file;
  if (!settings.tls.enabled) {
    for (auto [name, value] : {std::pair{"SOCIAL_AUTH_REDIS_CA_FILE", &config.redis_ca_file},
                               std::pair{"SOCIAL_AUTH_REDIS_CERT_FILE", &config.redis_cert_file},
                               std::pair{"SOCIAL_AUTH_REDIS_KEY_FILE", &config.redis_key_file}})
      if (!value->empty())
        throw config_error(name, "set, but REDIS_URL is not rediss://: the connection would not use TLS");
  }
  if (settings.tls.cert_file.empty() != settings.tls.key_file.empty())
    throw config_error(settings.tls.cert_file.empty() ? "SOCIAL_AUTH_REDIS_CERT_FILE" : "SOCIAL_AUTH_REDIS_KEY_FILE",
                       "a client certificate needs both SOCIAL_AUTH_REDIS_CERT_FILE and SOCIAL_AUTH_REDIS_KEY_FILE");
  return settings;
}

}  // namespace sg
