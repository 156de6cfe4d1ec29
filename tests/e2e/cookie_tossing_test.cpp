// Cookies someone else planted (issue 19): on https socialgate's cookies carry the __Host-
// prefix and the unprefixed names are not read at all, so a sibling subdomain or a man in the
// middle on plain http cannot toss a session or binding cookie into a browser; and a binding
// cookie is adopted at login start only while socialgate knows it, so a value an attacker chose
// and planted never binds a login of theirs to the victim's browser (login CSRF).
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "support/deployment.hpp"

using namespace sg;
using namespace sg::test;

namespace {
deployment_options on_https() {
  deployment_options options;
  options.site = "https://socialgate.test";
  return options;
}
bool signed_in(browser& b, deployment& env) { return b.get(env.replica(0) + "/api/users/self").status == 200; }
}  // namespace

TEST_CASE("on https a session cookie without the __Host- prefix is not read", "[e2e][cookies][security]") {
  deployment env(on_https());
  auto owner = env.new_browser();
  REQUIRE(env.login(owner, "octocat").callback.status == 302);
  const auto session = owner.cookies.at("__Host-sg_sessionid");
  CHECK(signed_in(owner, env));

  // The same live session id under the plain name: what a tossed cookie looks like.
  auto tossed = env.new_browser();
  tossed.cookies["sg_sessionid"] = session;
  CHECK(tossed.get(env.replica(0) + "/api/auth/verify").status == 401);
  CHECK(tossed.get(env.replica(0) + "/api/users/self").status == 401);
  auto prefixed = env.new_browser();
  prefixed.cookies["__Host-sg_sessionid"] = session;
  CHECK(prefixed.get(env.replica(0) + "/api/auth/verify").status == 200);
}

TEST_CASE("on https a tossed binding cookie without the prefix binds nothing", "[e2e][cookies][callback][security]") {
  deployment env(on_https());
  // The attacker starts a login of their own and plants its binding, unprefixed, in the victim's
  // browser (all a sibling subdomain can set), then sends the victim to the callback.
  auto attacker = env.new_browser();
  auto begun = env.begin_login(attacker, "mallory");
  auto victim = env.new_browser();
  victim.cookies["sg_binding"] = attacker.cookies.at("__Host-sg_binding");
  auto r = victim.get(begun.callback_url, env.replica(0));
  CHECK(r.status == 400);
  CHECK_FALSE(signed_in(victim, env));
}

TEST_CASE("a binding cookie socialgate did not issue is replaced at login start, so a planted one binds nothing", "[e2e][cookies][callback][security]") {
  deployment env;
  // The attacker picks a binding value, plants it in the victim's browser (plain http: any
  // cookie can be set there), and starts a login of their own with the same value.
  const std::string chosen = "AttackerChosenBindingValue_0123456789abcdef";
  auto victim = env.new_browser();
  victim.cookies["sg_binding"] = chosen;
  auto attacker = env.new_browser();
  attacker.cookies["sg_binding"] = chosen;
  auto begun = env.begin_login(attacker, "mallory");
  // socialgate never heard of that value: it issued the attacker a fresh one...
  auto issued = begun.start.set_cookie("sg_binding");
  REQUIRE_FALSE(issued.empty());
  CHECK(attacker.cookies.at("sg_binding") != chosen);
  // ...and bound the flow to it, not to the value planted in the victim's browser.
  CHECK(env.redis().client().command({"EXISTS", "sg:flows-by-browser:" + sha256_hex(chosen)}).integer == 0);
  auto r = victim.get(begun.callback_url, env.replica(0));
  CHECK(r.status == 400);
  CHECK_FALSE(signed_in(victim, env));
  // The attacker's own browser still finishes its login.
  CHECK(attacker.get(begun.callback_url, env.replica(0)).status == 302);
}

TEST_CASE("a binding socialgate issued is kept while its browser has a login open", "[e2e][cookies]") {
  deployment env;
  auto b = env.new_browser();
  auto first = env.begin_login(b, "octocat");  // a tab starts a login...
  const auto binding = b.cookies.at("sg_binding");
  auto second = env.begin_login(b, "octocat");  // ...and another tab starts one too
  CHECK(second.start.set_cookie("sg_binding").empty());
  CHECK(b.cookies.at("sg_binding") == binding);
  // Both tabs finish, each with the one shared binding.
  CHECK(b.get(first.callback_url, env.replica(0)).status == 302);
  CHECK(b.get(second.callback_url, env.replica(0)).status == 302);
}
