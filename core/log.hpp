#pragma once
// One JSON object per line on stderr. Callers pass only non-secret fields: never a token,
// code, state, secret or cookie value (SPEC section 6).
#include <nlohmann/json.hpp>
#include <string_view>

namespace sg {

enum class log_level { debug, info, warning, error };

void log_event(log_level level, std::string_view event, nlohmann::json fields = nlohmann::json::object());
// Lines below this level are dropped (SOCIALGATE_LOG_LEVEL).
void set_log_level(log_level level);

}  // namespace sg
