#pragma once
// How answers reach the user: JSON {"detail": ...} for API clients, small HTML pages for
// browser navigations and form posts. Never a stack trace, a token or a secret. Free functions,
// so the event loop answers what it refuses before any route runs (404, 405, a request it could
// not read) in the same shapes as the routes do.
#include <string>

#include "gateway/http/http_message.hpp"

namespace sg {

// Where socialgate's own account page lives: under /api/auth/social/, which a CVAT deployment
// routes to socialgate, so the same address works with or without CVAT in front.
inline constexpr char account_page_path[] = "/api/auth/social/account/";

bool wants_html(const http_request& request);
// JSON {"detail": ...}, or an HTML page when the request asked for one (Accept: text/html).
// A request the reader could not finish may be passed as an empty http_request: JSON then.
void send_error(const http_request& request, http_response& response, int status, const std::string& detail);
void send_json(http_response& response, int status, const std::string& body);
void send_redirect(http_response& response, const std::string& location);
// A whole HTML page (the body is already escaped HTML) under a strict CSP: no script, no
// external anything, no framing.
void send_page(http_response& response, int status, const std::string& title, const std::string& body_html);

// A plain HTML form post (application/x-www-form-urlencoded): a person with JavaScript off.
// It gets a 303 back to a page; API clients (JSON, or no body) keep their JSON answers.
bool is_form_post(const http_request& request);
// A field of the urlencoded body only (never the query string, so a token is never read from a
// URL that proxies log); "" when absent or the body is not a form. The request reader leaves
// `params` to the query: a route that also takes a value from a form body asks here.
std::string form_field(const http_request& request, const std::string& name);

}  // namespace sg
