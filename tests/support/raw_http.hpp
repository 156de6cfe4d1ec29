#pragma once
// One HTTP/1.1 GET over a plain socket, returning the response head byte for byte. cpp-httplib's
// client percent-decodes Location headers; tests that check encoding need the raw bytes.
#include <map>
#include <string>

namespace sg::test {

// The first value of header `name` (case-insensitive) in a raw head (status line and header
// lines), spaces and tabs around it trimmed; "" when absent.
std::string header_in(const std::string& head, const std::string& name);

struct raw_response {
  int status = 0;
  std::string head;  // status line and headers, as received
  std::string header(const std::string& name) const;  // first value, raw
};

raw_response raw_get(const std::string& origin, const std::string& target,
                     const std::map<std::string, std::string>& headers = {});

}  // namespace sg::test
