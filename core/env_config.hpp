#pragma once
// Reading configuration variables: plain values, `<NAME>_FILE` secrets, booleans and numbers,
// each failure reported as one line that names the variable and the fix.
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace sg {

struct config_error : std::runtime_error {
  config_error(const std::string& variable, const std::string& problem)
      : std::runtime_error(variable + ": " + problem), variable(variable) {}
  std::string variable;
};

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;
env_lookup process_environment();
// A fixed set of variables (tests, fuzzers, in-process replicas).
env_lookup map_environment(std::map<std::string, std::string> values);

class env_reader {
 public:
  explicit env_reader(env_lookup lookup) : lookup_(std::move(lookup)) {}
  // Unset and empty are the same: Compose writes `VAR: ''` for "not configured".
  std::optional<std::string> value(const std::string& name) const;
  std::string value_or(const std::string& name, const std::string& fallback) const;
  // A secret may come from NAME or from the file named by NAME_FILE (not both).
  std::optional<std::string> secret(const std::string& name) const;
  bool flag(const std::string& name, bool fallback) const;
  long number(const std::string& name, long fallback, long minimum, long maximum) const;

 private:
  env_lookup lookup_;
};

}  // namespace sg
