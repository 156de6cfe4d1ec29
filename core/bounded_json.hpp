#pragma once
// Parsing JSON from outside (IdP answers, request bodies) with bounds: nlohmann's parser is
// recursive, so nesting depth is checked first by a linear scan; size is capped by callers'
// readers and again here.
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace sg {

constexpr int max_json_depth = 32;
constexpr std::size_t max_json_bytes = 1 << 20;

bool json_depth_within(std::string_view text, int max_depth);
// nullopt when malformed, too deep or too large.
std::optional<nlohmann::json> parse_bounded_json(std::string_view text);

}  // namespace sg
