#pragma once
// Which Redis deployment socialgate talks to (issue 14), from the configuration: standalone
// (REDIS_URL), Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_MASTER) or Cluster
// (REDIS_CLUSTER_NODES); REDIS_URL still gives the data nodes' credentials and database, and
// rediss:// turns on TLS for every connection (data nodes and sentinels alike).
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "session-store/redis_url.hpp"

namespace sg {

enum class redis_mode { standalone, sentinel, cluster };
const char* redis_mode_name(redis_mode mode);

struct redis_address {
  std::string host;
  int port = 0;
  std::string text() const;  // host:port, [v6]:port
};

struct redis_tls_options {
  bool enabled = false;   // rediss://
  std::string ca_file;    // empty: the system's trust store
  std::string cert_file;  // client certificate (both or neither)
  std::string key_file;
};

struct redis_settings {
  redis_mode mode = redis_mode::standalone;
  redis_endpoint data;  // REDIS_URL: the server (standalone only), credentials, database
  std::vector<redis_address> sentinels;
  std::string sentinel_master;
  std::string sentinel_password;  // empty: sentinels without AUTH
  std::vector<redis_address> cluster_nodes;
  redis_tls_options tls;
  std::size_t connections = 4;  // per Redis server, per event loop
  std::chrono::milliseconds reply_timeout{1000};

  // The endpoint of one data server at `address`, with REDIS_URL's credentials and database.
  redis_endpoint data_at(const redis_address& address) const;
  // The endpoint of one sentinel: the sentinel password, database 0, TLS as the data nodes.
  redis_endpoint sentinel_at(const redis_address& address) const;
};

// "host:port,host:port" (IPv6 as [addr]:port); at least one, no empty items. Throws config_error
// naming `variable`.
std::vector<redis_address> parse_redis_addresses(const std::string& variable, const std::string& text);

// Every rule checked at start-up: one mode only, REDIS_SENTINEL_MASTER with REDIS_SENTINELS,
// database 0 in Cluster mode, TLS files only with rediss://, a certificate with its key.
// Throws config_error.
redis_settings redis_settings_from(const service_config& config);

}  // namespace sg
