// CVAT's auth_config.yml (social_account and sso sections): any file is either loaded or refused
// with a config_error.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/auth_config.hpp"
#include "core/env_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/sg-fuzz-auth-config-" + std::to_string(getpid()) + ".yml";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    sg::read_auth_config(path, "https://cvat.example.com", false);
  } catch (const sg::config_error& e) {
    if (e.variable != "AUTH_CONFIG_PATH") std::abort();
  }
  return 0;
}
