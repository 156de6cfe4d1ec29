// Configuration values from the environment: a bad value is a config_error naming a variable,
// never a crash or another exception. The first byte picks the variable.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "core/config.hpp"
#include "session-store/redis_url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* variables[] = {"USE_ALLAUTH_SOCIAL_ACCOUNTS", "CVAT_BASE_URL", "SOCIAL_AUTH_GITHUB_URL",
                                    "SOCIAL_AUTH_GITHUB_API_URL", "GITHUB_CALLBACK_URL", "SOCIALGATE_LISTEN",
                                    "SESSION_COOKIE_AGE", "SOCIAL_AUTH_RATE_LIMITS", "SOCIAL_AUTH_TRUSTED_PROXIES",
                                    "SESSION_COOKIE_NAME", "SOCIAL_AUTH_FLOW", "REDIS_URL"};
  std::string variable = variables[data[0] % (sizeof(variables) / sizeof(*variables))];
  std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  std::map<std::string, std::string> env = {{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"},
                                            {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                                            {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "secret"},
                                            {"SOCIAL_AUTH_ALLOW_INSECURE_HTTP", "True"}};
  env[variable] = value;
  try {
    auto config = sg::load_config(sg::env_reader(sg::map_environment(env)));
    sg::parse_redis_url(config.redis_url);
    sg::describe_config(config);
  } catch (const sg::config_error& e) {
    if (e.variable.empty()) std::abort();
  }
  return 0;
}
