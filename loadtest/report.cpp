#include "loadtest/report.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace sg::load {

void recorder::login(double ms) {
  std::lock_guard lock(mutex_);
  login_ms_.push_back(ms);
}
void recorder::check(double ms) {
  std::lock_guard lock(mutex_);
  check_ms_.push_back(ms);
}
void recorder::failure(const std::string& kind) {
  std::lock_guard lock(mutex_);
  ++failures_[kind];
}
long recorder::logins() const {
  std::lock_guard lock(mutex_);
  return static_cast<long>(login_ms_.size());
}
long recorder::checks() const {
  std::lock_guard lock(mutex_);
  return static_cast<long>(check_ms_.size());
}
long recorder::failures() const {
  std::lock_guard lock(mutex_);
  long n = 0;
  for (const auto& [kind, count] : failures_) n += count;
  return n;
}

std::map<std::string, long> recorder::failure_kinds() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

std::string recorder::report(double seconds) const {
  std::lock_guard lock(mutex_);
  nlohmann::json doc = {
      {"seconds", seconds},
      {"logins", login_ms_.size()},
      {"logins_per_second", static_cast<double>(login_ms_.size()) / seconds},
      {"checks", check_ms_.size()},
      {"checks_per_second", static_cast<double>(check_ms_.size()) / seconds},
      {"login_ms", {{"p50", percentile(login_ms_, 50)}, {"p90", percentile(login_ms_, 90)}, {"p99", percentile(login_ms_, 99)}}},
      {"check_ms", {{"p50", percentile(check_ms_, 50)}, {"p90", percentile(check_ms_, 90)}, {"p99", percentile(check_ms_, 99)}}},
      {"failures", failures_}};
  char text[1024];
  std::snprintf(text, sizeof(text),
                "\n== socialgate-loadtest report ==\n"
                "duration            %.1f s\n"
                "full logins         %zu  (%.0f/s)  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms\n"
                "session checks      %zu  (%.0f/s)  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms\n",
                seconds, login_ms_.size(), static_cast<double>(login_ms_.size()) / seconds, percentile(login_ms_, 50),
                percentile(login_ms_, 90), percentile(login_ms_, 99), check_ms_.size(),
                static_cast<double>(check_ms_.size()) / seconds, percentile(check_ms_, 50), percentile(check_ms_, 90),
                percentile(check_ms_, 99));
  std::string out = text;
  out += "failures            ";
  if (failures_.empty()) out += "none";
  for (const auto& [kind, count] : failures_) out += kind + "=" + std::to_string(count) + " ";
  out += "\nRESULT " + doc.dump() + "\n";
  return out;
}

}  // namespace sg::load
