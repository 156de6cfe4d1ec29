#include "core/text.hpp"

namespace sg {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::vector<std::string> split_nonempty(std::string_view text, char separator) {
  std::vector<std::string> parts;
  while (true) {
    auto end = text.find(separator);
    auto piece = text.substr(0, end);
    if (!piece.empty()) parts.emplace_back(piece);
    if (end == std::string_view::npos) return parts;
    text.remove_prefix(end + 1);
  }
}

}  // namespace sg
