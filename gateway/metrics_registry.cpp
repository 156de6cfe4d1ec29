#include "gateway/metrics_registry.hpp"

#include <cstdio>

namespace sg {
namespace {
// Bucket bounds in seconds (Prometheus convention), for logins and IdP calls.
const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string number(double v) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.6g", v);
  return text;
}
std::string with(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return "{" + labels + "," + extra + "}";
}
}  // namespace

void metrics_registry::count(const std::string& name, const std::string& labels, double value) {
  std::lock_guard lock(mutex_);
  counters_[name][labels] += value;
}

void metrics_registry::observe_ms(const std::string& name, const std::string& labels, double milliseconds) {
  std::lock_guard lock(mutex_);
  auto& h = histograms_[name][labels];
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  double seconds = milliseconds / 1000.0;
  for (std::size_t i = 0; i < bounds.size(); ++i)
    if (seconds <= bounds[i]) ++h.buckets[i];
  h.sum += seconds;
  ++h.count;
}

std::string metrics_registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, series] : counters_) {
    out += "# TYPE " + name + " counter\n";
    for (const auto& [labels, value] : series)
      out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + number(value) + "\n";
  }
  for (const auto& [name, series] : histograms_) {
    out += "# TYPE " + name + " histogram\n";
    for (const auto& [labels, h] : series) {
      for (std::size_t i = 0; i < bounds.size(); ++i)
        out += name + "_bucket" + with(labels, "le=\"" + number(bounds[i]) + "\"") + " " + std::to_string(h.buckets[i]) + "\n";
      out += name + "_bucket" + with(labels, "le=\"+Inf\"") + " " + std::to_string(h.count) + "\n";
      out += name + "_sum" + (labels.empty() ? "" : "{" + labels + "}") + " " + number(h.sum) + "\n";
      out += name + "_count" + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(h.count) + "\n";
    }
  }
  return out;
}

}  // namespace sg
