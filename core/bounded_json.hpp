#pragma once
// Parsing JSON from outside (IdP answers, request bodies) with bounds: nlohmann's parser is
// recursive, so nesting depth is checked first by a linear scan; size is capped by callers'
// readers and again here.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

constexpr int max_json_depth = 32;
constexpr std::size_t max_json_bytes = 1 << 20;

bool json_depth_within(std::string_view text, int max_depth);
// nullopt when malformed, too deep or too large.
std::optional<nlohmann::json> parse_bounded_json(std::string_view text);

// Fields of such a document where a type mismatch means "absent": a string member ("" when it
// is missing or not a string), and the string elements of an array member.
std::string string_field(const nlohmann::json& doc, const char* name);
std::vector<std::string> string_list(const nlohmann::json& doc, const char* name);

}  // namespace sg
