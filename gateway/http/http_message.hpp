#pragma once
// One HTTP/1.1 request as the request reader produced it, and the answer a route builds. The
// member names follow cpp-httplib's, which the routes were first written against.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/url.hpp"

namespace sg {

// Header names compare case-insensitively (RFC 9110).
struct header_name_less {
  bool operator()(const std::string& a, const std::string& b) const;
};
using http_headers = std::multimap<std::string, std::string, header_name_less>;

struct http_request {
  std::string method;   // as sent: "GET", "POST", ...
  std::string target;   // the request target as sent: path and query
  std::string path;     // percent-decoded path, without the query
  std::multimap<std::string, std::string> params;  // query parameters, percent-decoded
  http_headers headers;
  std::string body;     // after transfer decoding (chunked); never content-decoded
  std::string remote_addr;  // the TCP peer
  int remote_port = 0;
  bool keep_alive = true;   // HTTP/1.1 default; `Connection: close` or HTTP/1.0 without keep-alive
  std::vector<std::string> matches;  // the route pattern's captures; [0] is the whole path

  bool has_header(const std::string& name) const { return headers.find(name) != headers.end(); }
  // The first value of the header, or "".
  std::string get_header_value(const std::string& name) const;
  bool has_param(const std::string& name) const { return params.find(name) != params.end(); }
  std::string get_param_value(const std::string& name) const;
};

struct http_response {
  int status = 200;
  http_headers headers;
  std::string body;

  // Adds a header (Set-Cookie may appear several times).
  void set_header(const std::string& name, const std::string& value) { headers.emplace(name, value); }
  bool has_header(const std::string& name) const { return headers.find(name) != headers.end(); }
  std::string get_header_value(const std::string& name) const;
  void set_content(std::string content, const std::string& content_type) {
    body = std::move(content);
    headers.erase("Content-Type");
    headers.emplace("Content-Type", content_type);
  }
};

// The whole answer on the wire: status line, the response's headers, Content-Length (always:
// no chunked answers), `Connection: close` when the connection ends after it, the body (left
// out for HEAD). Content-Length and Connection set by a route are ignored; the writer decides.
std::string serialize_response(const http_response& response, bool head_request, bool keep_alive);
const char* status_reason(int status);

}  // namespace sg
