// The plain login page at / and /auth/login: one button per enabled provider.
#include "core/html.hpp"
#include "core/url.hpp"
#include "gateway/gateway.hpp"
#include "gateway/provider_icons.hpp"

namespace sg {

void gateway::login_page(const httplib::Request& req, httplib::Response& res) {
  auto next = next_policy_.validate(req.has_param("next") ? req.get_param_value("next") : "").value_or("/");
  std::string buttons;
  for (const auto& p : deps_.providers) {
    auto href = "/api/auth/" + p.slug + "/login/?" + build_query({{"next", next}});
    auto icon = p.icon_svg;
    for (const auto& m : social_methods())
      if (icon.empty() && m.slug == p.slug) icon = m.icon;
    buttons += "<a class=\"button\" href=\"" + html_escape(href) + "\">" + icon +
               "<span>Sign in with " + html_escape(p.public_name) + "</span></a>\n";
  }
  if (buttons.empty()) buttons = "<p>No sign-in provider is enabled on this server.</p>";
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
  res.set_header("X-Frame-Options", "DENY");
  res.set_content(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in</title><style>"
      "body{font-family:sans-serif;max-width:24em;margin:5em auto;text-align:center}"
      ".button{display:flex;gap:.6em;align-items:center;justify-content:center;padding:.7em;margin:.6em 0;"
      "border:1px solid #ccc;border-radius:6px;color:#222;text-decoration:none}</style></head>"
      "<body><h1>Sign in</h1>\n" + buttons + "</body></html>",
      "text/html; charset=utf-8");
}

}  // namespace sg
