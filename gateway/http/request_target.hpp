#pragma once
// The request target as routes see it: the percent-decoded path and the query parameters.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sg {

struct request_target {
  std::string path;
  std::multimap<std::string, std::string> params;
};

// Origin form ("/a/b?x=1"), absolute form ("http://host/a/b?x=1", whose path is used) or the
// asterisk form ("*"). A fragment is dropped, as cpp-httplib did. Query parameters decode `+` as a
// space and `%XX` as cpp-httplib 0.11 did (a malformed escape stays as sent); the path decodes
// `%XX` only and is refused when an escape is malformed or decodes to NUL. On refusal: nullopt
// and `why` names the reason.
std::optional<request_target> parse_request_target(std::string_view target, const char*& why);

}  // namespace sg
