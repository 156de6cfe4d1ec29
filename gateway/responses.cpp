#include "gateway/responses.hpp"

#include <nlohmann/json.hpp>

#include "core/html.hpp"

namespace sg {

bool wants_html(const httplib::Request& request) {
  return request.get_header_value("Accept").find("text/html") != std::string::npos;
}

void send_json(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(body, "application/json");
}

void send_error(const httplib::Request& request, httplib::Response& response, int status, const std::string& detail) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  if (wants_html(request)) {
    auto text = html_escape(detail);
    response.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
    response.set_content("<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in problem</title>"
                         "<style>body{font-family:sans-serif;max-width:36em;margin:4em auto}</style></head>"
                         "<body><h1>Sign-in problem</h1><p>" + text +
                             "</p><p><a href=\"/auth/login\">Back to sign-in</a></p></body></html>",
                         "text/html; charset=utf-8");
  } else {
    nlohmann::json body = {{"detail", detail}};
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  }
}

void send_redirect(httplib::Response& response, const std::string& location) {
  response.status = 302;
  response.set_header("Location", location);
  response.set_header("Cache-Control", "no-store");
}

}  // namespace sg
