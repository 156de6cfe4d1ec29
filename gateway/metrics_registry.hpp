#pragma once
// Counters and latency histograms for /metrics (Prometheus text format). Label sets are
// bounded by construction: routes are handler names, never raw paths; reasons are fixed words.
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace sg {

class metrics_registry {
 public:
  void count(const std::string& name, const std::string& labels, double value = 1);
  void observe_ms(const std::string& name, const std::string& labels, double milliseconds);
  std::string render() const;

 private:
  struct histogram {
    std::vector<long> buckets;  // cumulative counts are made when rendering
    double sum = 0;
    long count = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, double>> counters_;
  std::map<std::string, std::map<std::string, histogram>> histograms_;
};

}  // namespace sg
