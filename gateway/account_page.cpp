// The page a person sees (issue 10 point 6): who is signed in, their sessions, sign-out and
// linking, all as plain HTML forms that work with JavaScript off. Signed out, the same address
// shows the sign-in buttons, so it works as "the login page" wherever socialgate is routed.
// Everything from an IdP (names, usernames) or a browser (user agents) is escaped.
#include <ctime>

#include "core/html.hpp"
#include "core/url.hpp"
#include "gateway/gateway.hpp"
#include "gateway/provider_icons.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {
std::string utc_time(long long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!gmtime_r(&t, &tm)) return "";
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

std::string icon_for(const provider_descriptor& p) {
  if (!p.icon_svg.empty()) return p.icon_svg;
  for (const auto& m : social_methods())
    if (m.slug == p.slug) return m.icon;
  return "";
}

// A hidden field carrying the CSRF cookie's value: the form proves it came from a page of this
// site, as Django's csrfmiddlewaretoken does. The page itself is no-store and unframeable.
std::string csrf_input(const std::string& csrf) {
  return "<input type=\"hidden\" name=\"csrfmiddlewaretoken\" value=\"" + html_escape(csrf) + "\">";
}

bool has_identity_of(const user_record& user, const std::string& slug) {
  for (const auto& identity : user.identities)
    if (identity.substr(0, identity.find(':')) == slug) return true;
  return false;
}
}  // namespace

std::string gateway::sign_in_buttons(const std::string& next) const {
  std::string buttons;
  for (const auto& p : deps_.providers) {
    auto href = "/api/auth/" + p.slug + "/login/?" + build_query({{"next", next}});
    buttons += "<a class=\"button\" href=\"" + html_escape(href) + "\">" + icon_for(p) + "<span>Sign in with " +
               html_escape(p.public_name) + "</span></a>\n";
  }
  if (buttons.empty()) buttons = "<p>No sign-in provider is enabled on this server.</p>";
  return buttons;
}

task<void> gateway::account_page(http_request& req, http_response& res) {
  auto auth = co_await authenticate(req);
  std::optional<user_record> user;
  if (auth) user = co_await deps_.users.find(auth->session.user_id);
  if (!user) {
    std::string notice = req.get_param_value("signed_out") == "1"
                             ? "<p class=\"who\" role=\"status\">You are signed out.</p>"
                             : "<p class=\"who\" role=\"status\">You are not signed in.</p>";
    co_return send_page(res, 200, "Sign in", "<h1>Sign in</h1>" + notice + sign_in_buttons("/"));
  }

  const auto csrf = cookie(req, deps_.config.csrf_cookie_name);
  auto full_name = user->first_name + (user->first_name.empty() || user->last_name.empty() ? "" : " ") + user->last_name;
  if (full_name.empty()) full_name = user->username;
  std::string provider_name = auth->session.provider;
  if (auto p = find_provider(auth->session.provider)) provider_name = p->public_name;

  std::string html = "<h1>Your account</h1><p><a href=\"/\">Back to the application</a></p><div class=\"who\"><p>Signed in as <strong id=\"full-name\">" +
                     html_escape(full_name) + "</strong> (<span id=\"username\">" + html_escape(user->username) +
                     "</span>)</p><p class=\"muted\">through <span id=\"provider\">" + html_escape(provider_name) +
                     "</span>" + (user->email_vouched() ? " \xC2\xB7 " + html_escape(user->email) : std::string()) +
                     "</p>"
                     "<form method=\"post\" action=\"/api/auth/social/logout/\">" + csrf_input(csrf) +
                     "<button type=\"submit\" id=\"sign-out\">Sign out</button></form>"
                     "<form method=\"post\" action=\"/api/auth/social/logout/\">" + csrf_input(csrf) +
                     "<input type=\"hidden\" name=\"all\" value=\"true\">"
                     "<button type=\"submit\" id=\"sign-out-everywhere\">Sign out everywhere</button></form></div>\n";

  html += "<h2>Your sessions</h2><table><tr><th>Where</th><th>Since</th><th></th></tr>\n";
  auto sessions = co_await deps_.sessions.list(user->id);
  for (const auto& s : sessions) {
    const bool current = s.handle == auth->session.handle;
    html += "<tr class=\"session\" data-current=\"" + std::string(current ? "true" : "false") + "\"><td>" +
            html_escape(s.user_agent.empty() ? "Unknown browser" : s.user_agent) + "<br><span class=\"muted\">" +
            html_escape(s.provider) + (current ? " \xC2\xB7 <strong>this browser</strong>" : std::string()) +
            "</span></td><td class=\"muted\">" + utc_time(s.created) + "<br>last seen " + utc_time(s.last_seen) +
            "</td><td>";
    if (!current)
      html += "<form method=\"post\" action=\"/api/auth/social/sessions/" + s.handle + "/revoke/\">" + csrf_input(csrf) +
              "<button class=\"small\" type=\"submit\">Sign out this one</button></form>";
    html += "</td></tr>\n";
  }
  html += "</table>\n";

  // Linking: a POST with process=connect and the CSRF token (login_start refuses a GET).
  std::string linked, linkable;
  for (const auto& p : deps_.providers) {
    if (has_identity_of(*user, p.slug)) {
      linked += "<li>" + html_escape(p.public_name) + "</li>";
      continue;
    }
    linkable += "<form method=\"post\" action=\"/api/auth/" + html_escape(p.slug) + "/login/\">" + csrf_input(csrf) +
                "<input type=\"hidden\" name=\"process\" value=\"connect\">"
                "<input type=\"hidden\" name=\"next\" value=\"" + std::string(account_page_path) + "\">"
                "<button type=\"submit\">" + icon_for(p) + "<span>Link " + html_escape(p.public_name) +
                "</span></button></form>\n";
  }
  html += "<h2>Sign-in methods</h2>";
  if (!linked.empty()) html += "<p>Linked: </p><ul id=\"linked\">" + linked + "</ul>";
  if (!linkable.empty()) html += "<p>Link another account, to sign in with it too:</p>" + linkable;
  send_page(res, 200, "Your account", html);
}

}  // namespace sg
