// serialize_response and status_reason (declared in http_message.hpp): the answer on the wire.
#include <http_parser.h>

#include <cstring>
#include <string_view>

#include "core/log.hpp"
#include "gateway/http/http_message.hpp"

namespace sg {

const char* status_reason(int status) {
  if (status >= 100 && status <= 999) {
    const char* known = http_status_str(static_cast<enum http_status>(status));
    if (std::strcmp(known, "<unknown>") != 0) return known;
  }
  if (status >= 200 && status < 300) return "OK";
  if (status >= 300 && status < 400) return "Redirect";
  if (status >= 400 && status < 500) return "Client Error";
  return "Server Error";
}

namespace {

// The writer decides framing and connection handling; a route's own values would contradict it.
bool writer_owned(std::string_view name) {
  auto equals = [&](std::string_view owned) {
    return name.size() == owned.size() &&
           std::equal(name.begin(), name.end(), owned.begin(),
                      [](char a, char b) { return (a | 0x20) == (b | 0x20); });
  };
  return equals("content-length") || equals("transfer-encoding") || equals("connection");
}

bool token_char(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// A header that cannot be written as one field line (response splitting) is dropped, not
// repaired: a name outside RFC 9110's token, or a value with CR, LF or NUL.
bool writable(const std::string& name, const std::string& value) {
  if (name.empty()) return false;
  for (unsigned char c : name)
    if (c == 0 || !token_char(c)) return false;
  for (unsigned char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// 1xx, 204 and 304 answers have no body and no Content-Length (RFC 9110 8.6, 15.3.5, 15.4.5).
bool bodiless(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

}  // namespace

std::string serialize_response(const http_response& response, bool head_request, bool keep_alive) {
  int status = response.status >= 100 && response.status <= 999 ? response.status : 500;
  std::string out;
  out.reserve(128 + response.body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += status_reason(status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    if (writer_owned(name)) continue;
    if (!writable(name, value)) {
      log_event(log_level::warning, "response_header_dropped", {{"header", writable(name, "") ? name : "(invalid name)"}});
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  bool no_body = bodiless(status);
  if (!no_body) {
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_request && !no_body) out += response.body;
  return out;
}

}  // namespace sg
