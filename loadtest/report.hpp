#pragma once
// What a load run measured: counts, failures by kind, latency percentiles.
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sg::load {

class recorder {
 public:
  void login(double ms);
  void check(double ms);
  void failure(const std::string& kind);
  long logins() const;
  long checks() const;
  long failures() const;
  std::map<std::string, long> failure_kinds() const;
  // The final report (human-readable, with a JSON line at the end for scripts).
  std::string report(double seconds) const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> login_ms_;
  std::vector<double> check_ms_;
  std::map<std::string, long> failures_;
};

double percentile(std::vector<double> values, double p);

}  // namespace sg::load
