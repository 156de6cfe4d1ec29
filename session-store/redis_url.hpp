#pragma once
#include <string>

namespace sg {

struct redis_endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // Redis 6 ACL user; empty for the default user
  std::string password;
  int database = 0;
  bool tls = false;  // rediss://: every connection of the deployment goes over TLS
};

// redis[s]://[[user]:password@]host[:port][/db]. Throws config_error (variable REDIS_URL).
redis_endpoint parse_redis_url(const std::string& url);

}  // namespace sg
