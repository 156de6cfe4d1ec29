#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace sg {
namespace {
std::atomic<log_level> minimum_level{log_level::info};
std::mutex output_mutex;

const char* level_name(log_level level) {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
  }
  return "info";
}
}  // namespace

void set_log_level(log_level level) { minimum_level = level; }

void log_event(log_level level, std::string_view event, nlohmann::json fields) {
  if (level < minimum_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json line = {{"ts", now / 1000.0}, {"level", level_name(level)}, {"event", event}};
  if (fields.is_object()) line.update(fields);
  // "replace" keeps a line valid JSON even if a field carries invalid UTF-8 from a client.
  auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(output_mutex);
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

}  // namespace sg
