#pragma once
#include <string>
#include <string_view>

namespace sg {
// Escapes text for HTML element content and quoted attribute values.
std::string html_escape(std::string_view text);
}  // namespace sg
