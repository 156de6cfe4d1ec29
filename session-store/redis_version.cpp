#include "session-store/redis_version.hpp"

#include <cstdio>

namespace sg {

std::optional<redis_version_verdict> judge_redis_version(const std::string& info_server) {
  const std::string field = "redis_version:";
  auto at = info_server.find(field);
  if (at == std::string::npos) return std::nullopt;
  auto begin = at + field.size();
  auto end = info_server.find_first_of("\r\n", begin);
  redis_version_verdict verdict;
  verdict.version = info_server.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  int major = 0, minor = 0;
  if (std::sscanf(verdict.version.c_str(), "%d.%d", &major, &minor) < 1) return std::nullopt;
  verdict.supported = major > 6 || (major == 6 && minor >= 2);
  return verdict;
}

}  // namespace sg
