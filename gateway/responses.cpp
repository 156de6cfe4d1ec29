#include "gateway/responses.hpp"

#include <nlohmann/json.hpp>

#include "core/html.hpp"
#include "core/url.hpp"

namespace sg {
namespace {
constexpr char page_style[] =
    "body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;color:#222}"
    "h1{font-size:1.6em}h2{font-size:1.15em;margin-top:2em}"
    ".button,button{display:flex;gap:.6em;align-items:center;justify-content:center;width:100%;"
    "padding:.7em;margin:.6em 0;border:1px solid #bbb;border-radius:6px;background:#fff;color:#222;"
    "font:inherit;text-decoration:none;cursor:pointer;box-sizing:border-box}"
    "button.small{display:inline;width:auto;padding:.3em .7em;margin:0;white-space:nowrap}"
    "form{margin:0}.who{padding:1em;border:1px solid #ddd;border-radius:6px;background:#f7f7f7}"
    "table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4em;border-bottom:1px solid #eee;"
    "vertical-align:top}.muted{color:#666;font-size:.9em}.error{padding:1em;border:1px solid #e0a0a0;"
    "border-radius:6px;background:#fff3f3}";
}  // namespace

bool wants_html(const http_request& request) {
  return request.get_header_value("Accept").find("text/html") != std::string::npos;
}

void send_json(http_response& response, int status, const std::string& body) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(body, "application/json");
}

void send_page(http_response& response, int status, const std::string& title, const std::string& body_html) {
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  response.set_header("Content-Security-Policy",
                      // No form-action: browsers apply it to the redirect after a post too, and
                      // "Link <provider>" posts here and is sent on to the IdP's origin.
                      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
                      "base-uri 'none'");
  response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "same-origin");
  response.set_content("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>" +
                           html_escape(title) + "</title><style>" + page_style + "</style></head><body>\n" +
                           body_html + "\n</body></html>",
                       "text/html; charset=utf-8");
}

void send_error(const http_request& request, http_response& response, int status, const std::string& detail) {
  if (wants_html(request)) {
    // A person sees a sentence, what to do next and a way back; the wording is the same as the
    // API's `detail`, so a support request quoting either matches the log line.
    auto sentence = detail;
    if (!sentence.empty() && sentence.back() != '.' && sentence.back() != '!' && sentence.back() != '?') sentence += '.';
    const char* hint = status == 409 ? "Your account page lists the providers you can link."
                       : status == 429 || status >= 500 ? "This is usually temporary: wait a moment and try again."
                       : status == 401 || status == 403 ? "Your session may have ended. Sign in again and retry."
                                                        : "Start the sign-in again; if it keeps failing, tell your administrator what this page says.";
    const bool signing_in = request.path.find("/login") != std::string::npos;
    send_page(response, status, signing_in ? "Sign-in problem" : "Problem",
              std::string(signing_in ? "<h1>Sign-in did not work</h1>" : "<h1>That did not work</h1>") + "<p class=\"error\" role=\"alert\">" + html_escape(sentence) +
                  "</p><p>" + hint + "</p><p><a class=\"button\" href=\"/auth/login\">Back to sign-in</a></p>"
                  "<p class=\"muted\"><a href=\"" + std::string(account_page_path) + "\">Your account</a> \xC2\xB7 error " +
                  std::to_string(status) + "</p>");
    return;
  }
  response.status = status;
  response.set_header("Cache-Control", "no-store");
  nlohmann::json body = {{"detail", detail}};
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_redirect(http_response& response, const std::string& location) {
  response.status = 302;
  response.set_header("Location", location);
  response.set_header("Cache-Control", "no-store");
}

bool is_form_post(const http_request& request) {
  return request.method == "POST" &&
         request.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
}

std::string form_field(const http_request& request, const std::string& name) {
  if (!is_form_post(request)) return "";
  auto form = parse_form(request.body);
  if (!form) return "";
  return find_param(*form, name).value_or("");
}

}  // namespace sg
