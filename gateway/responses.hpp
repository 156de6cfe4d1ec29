#pragma once
// How errors reach the user: JSON {"detail": ...} for API clients, a small HTML page for
// browser navigations. Never a stack trace, a token or a secret.
#include <httplib.h>

#include <string>

namespace sg {

bool wants_html(const httplib::Request& request);
void send_error(const httplib::Request& request, httplib::Response& response, int status, const std::string& detail);
void send_json(httplib::Response& response, int status, const std::string& body);
void send_redirect(httplib::Response& response, const std::string& location);

}  // namespace sg
