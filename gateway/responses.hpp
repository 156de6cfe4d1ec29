#pragma once
// How answers reach the user: JSON {"detail": ...} for API clients, small HTML pages for
// browser navigations and form posts. Never a stack trace, a token or a secret.
#include <httplib.h>

#include <string>

namespace sg {

// Where socialgate's own account page lives: under /api/auth/social/, which a CVAT deployment
// routes to socialgate, so the same address works with or without CVAT in front.
inline constexpr char account_page_path[] = "/api/auth/social/account/";

bool wants_html(const httplib::Request& request);
void send_error(const httplib::Request& request, httplib::Response& response, int status, const std::string& detail);
void send_json(httplib::Response& response, int status, const std::string& body);
void send_redirect(httplib::Response& response, const std::string& location);
// A whole HTML page (the body is already escaped HTML) under a strict CSP: no script, no
// external anything, no framing.
void send_page(httplib::Response& response, int status, const std::string& title, const std::string& body_html);

// A plain HTML form post (application/x-www-form-urlencoded): a person with JavaScript off.
// It gets a 303 back to a page; API clients (JSON, or no body) keep their JSON answers.
bool is_form_post(const httplib::Request& request);
// A field of the urlencoded body only (never the query string, so a token is never read from a
// URL that proxies log); "" when absent or the body is not a form.
std::string form_field(const httplib::Request& request, const std::string& name);

}  // namespace sg
