#pragma once
// UTF-8 for text from outside (query strings, form and JSON bodies, IdP claims): strict RFC 3629,
// so that nothing downstream (nlohmann's dump, a log line, a header) meets bytes it cannot encode.
#include <optional>
#include <string_view>

namespace sg {

// The code point at `pos`, advancing `pos` past it; nullopt for ill-formed UTF-8: overlong
// forms, surrogates (U+D800..U+DFFF), values above U+10FFFF, stray continuation bytes and
// truncated sequences.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos);

// True when all of `text` is well-formed UTF-8 (as next_code_point decides).
bool is_valid_utf8(std::string_view text);

}  // namespace sg
