#pragma once
// Which route answers a request: method plus a regular expression over the decoded path (the
// whole path must match; captures go to request.matches). HEAD is answered by the GET route
// (the writer drops the body). No match: 404; a path matched under another method only: 405.
#include <functional>
#include <regex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/task.hpp"
#include "gateway/http/http_message.hpp"

namespace sg {

using route_handler = std::function<task<void>(http_request&, http_response&)>;

class router {
 public:
  void add(std::string method, const std::string& path_pattern, route_handler handler);

  struct lookup {
    const route_handler* handler = nullptr;  // null: answer `status` (404 or 405)
    int status = 404;
    std::string allow;  // for 405: the methods the path has, e.g. "GET, POST"
  };
  // Fills request.matches on success.
  lookup find(http_request& request) const;

 private:
  struct route {
    std::string method;
    std::regex pattern;
    route_handler handler;
  };
  std::vector<route> routes_;
  // Routes whose pattern is a plain path (optionally with a trailing "/?"), by that path: most
  // requests are answered without running a regular expression. A path an earlier pattern
  // also matches is left out, so the order of `add` still decides.
  std::unordered_map<std::string, std::vector<std::size_t>> literal_;
};

}  // namespace sg
