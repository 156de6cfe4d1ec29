#include "core/env_config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sg {

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

env_lookup map_environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

std::optional<std::string> env_reader::value(const std::string& name) const {
  auto v = lookup_(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

std::string env_reader::value_or(const std::string& name, const std::string& fallback) const {
  return value(name).value_or(fallback);
}

std::optional<std::string> env_reader::secret(const std::string& name) const {
  auto direct = value(name);
  auto file = value(name + "_FILE");
  if (direct && file)
    throw config_error(name, "set either " + name + " or " + name + "_FILE, not both");
  if (!file) return direct;
  std::ifstream in(*file, std::ios::binary);
  if (!in) throw config_error(name + "_FILE", "cannot read file '" + *file + "'; mount the secret there");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string content = buffer.str();
  // Secret files usually end with a newline written by an editor or `echo`.
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  if (content.empty()) throw config_error(name + "_FILE", "file '" + *file + "' is empty");
  return content;
}

bool env_reader::flag(const std::string& name, bool fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  std::string lower = *v;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  throw config_error(name, "expected True or False (also 1/0, yes/no), got '" + *v + "'");
}

long env_reader::number(const std::string& name, long fallback, long minimum, long maximum) const {
  auto v = value(name);
  if (!v) return fallback;
  char* end = nullptr;
  errno = 0;
  long parsed = std::strtol(v->c_str(), &end, 10);
  if (errno != 0 || end == v->c_str() || *end != '\0' || parsed < minimum || parsed > maximum)
    throw config_error(name, "expected a whole number from " + std::to_string(minimum) + " to " +
                                 std::to_string(maximum) + ", got '" + *v + "'");
  return parsed;
}

}  // namespace sg
