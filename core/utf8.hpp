#pragma once
// UTF-8 validation for text from outside (query strings, form and JSON bodies): strict RFC 3629,
// so that nothing downstream (nlohmann's dump, a log line, a header) meets bytes it cannot encode.
#include <string_view>

namespace sg {

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF, no stray continuation bytes and no truncated sequence.
bool is_valid_utf8(std::string_view text);

}  // namespace sg
