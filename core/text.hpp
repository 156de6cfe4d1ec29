#pragma once
// Small text helpers shared by configuration parsing, the gateway and the programs.
#include <string>
#include <string_view>
#include <vector>

namespace sg {

// Without surrounding spaces and tabs.
std::string_view trim(std::string_view text);
// The non-empty pieces between separators ("a,,b" gives {"a", "b"}).
std::vector<std::string> split_nonempty(std::string_view text, char separator);

}  // namespace sg
