#include "gateway/http/request_target.hpp"

#include <algorithm>
#include <cctype>

#include "core/url.hpp"

namespace sg {

namespace {

bool starts_with_scheme(std::string_view target, std::string_view scheme) {
  return target.size() >= scheme.size() &&
         std::equal(scheme.begin(), scheme.end(), target.begin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

// cpp-httplib 0.11's leniency, kept so that query strings routes accepted before still arrive:
// a `%` not followed by two hex digits is kept as it is.
std::string lenient_query_decode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::string decode_query_part(std::string_view text) {
  if (auto strict = url_decode(text, true)) return std::move(*strict);
  return lenient_query_decode(text);
}

std::multimap<std::string, std::string> parse_query(std::string_view query) {
  std::multimap<std::string, std::string> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    if (name.empty()) continue;  // "&&" and "=x" carry nothing (cpp-httplib skipped them too)
    auto value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    params.emplace(decode_query_part(name), decode_query_part(value));
  }
  return params;
}

}  // namespace

std::optional<request_target> parse_request_target(std::string_view target, const char*& why) {
  request_target out;
  if (target == "*") {
    out.path.push_back('*');  // not `= "*"`: GCC 12 -Wrestrict false positive (PR 105329) under -O2 + sanitizers
    return out;
  }
  if (auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  std::string_view path_and_query;
  if (!target.empty() && target.front() == '/') {
    path_and_query = target;
  } else if (starts_with_scheme(target, "http://") || starts_with_scheme(target, "https://")) {
    auto authority = target.substr(target.find("//") + 2);
    auto end = authority.find_first_of("/?");
    path_and_query = end == std::string_view::npos ? std::string_view{} : authority.substr(end);
  } else {
    why = "unsupported request target form";
    return std::nullopt;
  }
  auto question = path_and_query.find('?');
  auto raw_path = path_and_query.substr(0, question);
  auto decoded = url_decode(raw_path.empty() ? std::string_view("/") : raw_path, false);
  if (!decoded) {
    why = "malformed percent-encoding in the path";
    return std::nullopt;
  }
  if (decoded->find('\0') != std::string::npos) {
    why = "the path decodes to a NUL byte";
    return std::nullopt;
  }
  out.path = std::move(*decoded);
  if (question != std::string_view::npos) out.params = parse_query(path_and_query.substr(question + 1));
  return out;
}

}  // namespace sg
