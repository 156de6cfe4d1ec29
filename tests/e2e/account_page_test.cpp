// The page a person sees (issue 10 point 6): the account page and its plain HTML forms, used
// as a browser with JavaScript off would: GET the page, read the form, POST its fields.
#include <catch2/catch.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "core/url.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;
using json = nlohmann::json;

namespace {
const std::map<std::string, std::string> html = {{"Accept", "text/html,application/xhtml+xml"}};
constexpr char account[] = "/api/auth/social/account/";
constexpr char form_type[] = "application/x-www-form-urlencoded";

deployment_options people(bool oidc = false) {
  deployment_options options;
  options.replicas = 2;
  options.oidc = oidc;
  options.idp_users_json = R"([
    {"login": "alice-dev", "id": 10, "name": "Alice Doe", "emails": [{"email": "alice@example.com", "primary": true, "verified": true}]},
    {"login": "bob-dev", "id": 12, "name": "Bob Roe", "emails": [{"email": "bob@example.com", "primary": true, "verified": true}]},
    {"login": "eve-dev", "id": 13, "name": "Eve <script>alert(1)</script> \"&' <img src=x onerror=alert(2)>",
     "emails": [{"email": "eve@example.com", "primary": true, "verified": true}]}
  ])";
  return options;
}

// The form whose action is `action`, as a browser would submit it: its hidden fields, urlencoded.
std::string form_body(const std::string& page, const std::string& action) {
  auto at = page.find("action=\"" + action + "\"");
  if (at == std::string::npos) throw std::runtime_error("no form posting to " + action + " in the page");
  auto end = page.find("</form>", at);
  auto form = page.substr(at, end - at);
  static const std::regex hidden(R"re(<input type="hidden" name="([^"]+)" value="([^"]*)">)re");
  query_params fields;
  for (std::sregex_iterator it(form.begin(), form.end(), hidden), stop; it != stop; ++it)
    fields.emplace_back((*it)[1], (*it)[2]);  // the values here are tokens and paths: nothing to unescape
  return build_query(fields);
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string other_session_handle(browser& b, const std::string& replica) {
  for (const auto& s : json::parse(b.get(replica + "/api/auth/sessions").body))
    if (!s["current"].get<bool>()) return s["id"];
  return "";
}
}  // namespace

TEST_CASE("account page: who is signed in and their sessions and the signed-out page", "[e2e][account]") {
  deployment env(people());
  auto laptop = env.new_browser(), phone = env.new_browser();
  REQUIRE(env.login(laptop, "alice-dev", 0, 0).callback.status == 302);
  REQUIRE(env.login(phone, "alice-dev", 1, 1).callback.status == 302);
  auto self = json::parse(laptop.get(env.replica(0) + "/api/users/self").body);

  auto page = laptop.get(env.replica(1) + account, "", html);
  REQUIRE(page.status == 200);
  CHECK(page.header("Content-Type").find("text/html") == 0);
  CHECK(page.header("Cache-Control") == "no-store");
  CHECK(page.header("Content-Security-Policy").find("default-src 'none'") == 0);
  CHECK(page.header("Content-Security-Policy").find("script-src") == std::string::npos);
  // No form-action: browsers apply it to the redirect after "Link <provider>" posts, to the IdP.
  CHECK(page.header("Content-Security-Policy").find("form-action") == std::string::npos);
  CHECK(page.header("Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
  CHECK(page.body.find("<script") == std::string::npos);
  CHECK(page.body.find("Your account") != std::string::npos);
  CHECK(page.body.find("<strong id=\"full-name\">Alice Doe</strong>") != std::string::npos);
  CHECK(page.body.find("<span id=\"username\">" + self["username"].get<std::string>() + "</span>") != std::string::npos);
  CHECK(page.body.find("<span id=\"provider\">GitHub</span>") != std::string::npos);
  // Both sessions, this one marked, "sign out this one" on the other only.
  CHECK(count_of(page.body, "<tr class=\"session\"") == 2);
  CHECK(count_of(page.body, "this browser") == 1);
  CHECK(count_of(page.body, "Sign out this one") == 1);
  auto phone_handle = other_session_handle(laptop, env.replica(0));
  CHECK(page.body.find("/api/auth/social/sessions/" + phone_handle + "/revoke/") != std::string::npos);
  CHECK(page.body.find("value=\"" + laptop.cookies["sg_csrftoken"] + "\"") != std::string::npos);
  CHECK(page.body.find(laptop.cookies["sg_sessionid"]) == std::string::npos);  // the secret never shows
  CHECK(page.body.find(">Sign out</button>") != std::string::npos);

  // Where socialgate is the front, / and /auth/login show the account page once signed in.
  for (const char* path : {"/", "/auth/login"}) {
    auto front = laptop.get(env.replica(0) + path, "", html);
    CHECK(front.status == 200);
    CHECK(front.body.find("Your account") != std::string::npos);
    CHECK(front.body.find("<h1>Sign in</h1>") == std::string::npos);
  }

  // A browser that is not signed in sees the sign-in buttons, there and at the account page.
  auto stranger = env.new_browser();
  for (const char* path : {"/", "/auth/login", account}) {
    auto signed_out = stranger.get(env.replica(0) + path, "", html);
    CHECK(signed_out.status == 200);
    CHECK(signed_out.body.find("<h1>Sign in</h1>") != std::string::npos);
    CHECK(signed_out.body.find("Sign in with GitHub") != std::string::npos);
    CHECK(signed_out.body.find("Your account") == std::string::npos);
  }
  CHECK(stranger.get(env.replica(0) + account, "", html).body.find("You are not signed in.") != std::string::npos);
}

TEST_CASE("account page: sign out this one and sign out with JavaScript off need csrfmiddlewaretoken", "[e2e][account]") {
  deployment env(people());
  auto laptop = env.new_browser(), phone = env.new_browser();
  REQUIRE(env.login(laptop, "alice-dev", 0, 0).callback.status == 302);
  REQUIRE(env.login(phone, "alice-dev", 1, 1).callback.status == 302);
  auto phone_handle = other_session_handle(laptop, env.replica(0));
  auto revoke_action = "/api/auth/social/sessions/" + phone_handle + "/revoke/";
  auto page = laptop.get(env.replica(0) + account, "", html).body;
  auto revoke_form = form_body(page, revoke_action);
  REQUIRE(revoke_form.find("csrfmiddlewaretoken=") != std::string::npos);

  // Without the token, with a wrong one, or with it only in the URL: 403, nothing revoked.
  CHECK(laptop.post(env.replica(0) + revoke_action, "", form_type, "", html).status == 403);
  CHECK(laptop.post(env.replica(0) + revoke_action, "csrfmiddlewaretoken=AAAAAAAAAAAAAAAAAAAAAAAAAAAA", form_type, "", html).status == 403);
  CHECK(laptop.post(env.replica(0) + revoke_action + "?" + revoke_form, "", form_type, "", html).status == 403);
  auto refused = laptop.post(env.replica(0) + revoke_action, "", form_type, "", html);
  CHECK(refused.header("Content-Type").find("text/html") == 0);
  CHECK(refused.body.find("CSRF check failed") != std::string::npos);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 200);
  // Another browser's CSRF token does not fit this session.
  CHECK(laptop.post(env.replica(0) + revoke_action, "csrfmiddlewaretoken=" + phone.cookies["sg_csrftoken"], form_type, "", html).status == 403);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 200);

  // The form as the page gives it: 303 back to the account page; the phone is signed out.
  auto revoked = laptop.post(env.replica(0) + revoke_action, revoke_form, form_type, "", html);
  CHECK(revoked.status == 303);
  CHECK(revoked.header("Location") == account);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 401);
  CHECK(laptop.get(env.replica(1) + "/api/auth/verify").status == 200);
  auto after = laptop.get(env.replica(1) + account, "", html).body;
  CHECK(count_of(after, "<tr class=\"session\"") == 1);
  CHECK(count_of(after, "Sign out this one") == 0);

  // API clients keep their answers: POST .../revoke with a key is 204, the JSON logout is JSON.
  REQUIRE(env.login(phone, "alice-dev", 1, 1).callback.status == 302);
  browser api(env.site());
  auto key = "Token " + laptop.cookies["sg_sessionid"];
  CHECK(api.post(env.replica(1) + "/api/auth/sessions/" + other_session_handle(laptop, env.replica(0)) + "/revoke", "", "",
                 "", {{"Authorization", key}}).status == 204);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 401);

  // Sign out: without the token 403 and still signed in; with it 303 to the signed-out page.
  CHECK(laptop.post(env.replica(0) + "/api/auth/social/logout/", "", form_type, "", html).status == 403);
  CHECK(laptop.get(env.replica(1) + "/api/auth/verify").status == 200);
  auto old_cookie = laptop.cookies["sg_sessionid"];
  page = laptop.get(env.replica(0) + account, "", html).body;
  auto signed_out = laptop.post(env.replica(0) + "/api/auth/social/logout/", form_body(page, "/api/auth/social/logout/"),
                                form_type, "", html);
  CHECK(signed_out.status == 303);
  CHECK(signed_out.header("Location") == std::string(account) + "?signed_out=1");
  CHECK(signed_out.set_cookie("sg_sessionid").find("Max-Age=0") != std::string::npos);
  CHECK(laptop.cookies.count("sg_sessionid") == 0);
  CHECK(api.get(env.replica(1) + "/api/auth/verify", "", {{"Authorization", "Token " + old_cookie}}).status == 401);
  auto shown = laptop.get(env.replica(1) + signed_out.header("Location"), "", html);
  CHECK(shown.body.find("You are signed out.") != std::string::npos);
  CHECK(shown.body.find("Sign in with GitHub") != std::string::npos);

  // The same form at /api/auth/logout (where socialgate is the front), and "sign out everywhere".
  REQUIRE(env.login(laptop, "alice-dev", 0, 0).callback.status == 302);
  REQUIRE(env.login(phone, "alice-dev", 1, 1).callback.status == 302);
  auto everywhere = laptop.post(env.replica(0) + "/api/auth/logout",
                                "all=true&csrfmiddlewaretoken=" + laptop.cookies["sg_csrftoken"], form_type, "", html);
  CHECK(everywhere.status == 303);
  CHECK(phone.get(env.replica(1) + "/api/auth/verify").status == 401);
}

TEST_CASE("account page: a hostile name from the IdP is shown escaped", "[e2e][account]") {
  deployment env(people());
  auto eve = env.new_browser();
  REQUIRE(env.login(eve, "eve-dev").callback.status == 302);
  auto page = eve.get(env.replica(0) + account, "", html);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("<script") == std::string::npos);
  CHECK(page.body.find("<img") == std::string::npos);
  CHECK(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.body.find("&quot;&amp;&#39;") != std::string::npos);
  // The user agent is the browser's own text: escaped too.
  browser odd(env.site(), env.idp_url(), "Agent <b onmouseover=x>\"");
  REQUIRE(env.login(odd, "eve-dev").callback.status == 302);
  page = eve.get(env.replica(0) + account, "", html);
  CHECK(page.body.find("<b onmouseover") == std::string::npos);
  CHECK(page.body.find("Agent &lt;b onmouseover=x&gt;&quot;") != std::string::npos);
}

TEST_CASE("account page: linking another provider is a form post with process=connect", "[e2e][account]") {
  deployment env(people(true));
  auto b = env.new_browser();
  REQUIRE(env.login(b, "alice-dev").callback.status == 302);
  auto alice = json::parse(b.get(env.replica(0) + "/api/users/self").body);
  auto page = b.get(env.replica(0) + account, "", html).body;
  CHECK(page.find("Link Google") != std::string::npos);
  CHECK(page.find("Link GitHub") == std::string::npos);  // already linked
  auto link = form_body(page, "/api/auth/google/login/");
  CHECK(link.find("process=connect") != std::string::npos);

  CHECK(b.post(env.replica(0) + "/api/auth/google/login/", "process=connect", form_type, "", html).status == 403);
  auto start = b.post(env.replica(0) + "/api/auth/google/login/", link, form_type, "", html);
  REQUIRE(start.status == 303);
  auto idp = b.get(start.header("Location") + "&dev_login=bob-dev");
  REQUIRE(idp.status == 302);
  auto done = b.get(idp.header("Location"), env.replica(1));
  REQUIRE(done.status == 302);
  CHECK(done.header("Location") == account);
  auto after = json::parse(b.get(env.replica(1) + "/api/users/self").body);
  CHECK(after["id"] == alice["id"]);
  CHECK(after["providers"].size() == 2);
  page = b.get(env.replica(1) + account, "", html).body;
  CHECK(page.find("Link Google") == std::string::npos);
  CHECK(page.find("<li>Google</li>") != std::string::npos);
}

TEST_CASE("account page: a failed sign-in shows its reason in words and a way back", "[e2e][account]") {
  deployment env(people());
  auto b = env.new_browser();
  auto half = env.begin_login(b, "alice-dev");
  auto used_elsewhere = env.new_browser();
  auto failed = used_elsewhere.get(half.callback_url, env.replica(0), html);
  CHECK(failed.status == 400);
  CHECK(failed.header("Content-Type").find("text/html") == 0);
  CHECK(failed.body.find("Sign-in did not work") != std::string::npos);
  CHECK(failed.body.find("This sign-in was started in another browser. Start the sign-in again here.") != std::string::npos);
  CHECK(failed.body.find("href=\"/auth/login\"") != std::string::npos);
  // API clients keep the JSON detail.
  auto api = env.new_browser().get(half.callback_url, env.replica(0));
  CHECK(json::parse(api.body)["detail"].is_string());
}
