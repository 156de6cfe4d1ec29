#include <catch2/catch.hpp>

#include "gateway/cookies.hpp"
#include "session-store/username_policy.hpp"

using namespace sg;

TEST_CASE("username validity", "[users]") {
  CHECK(is_valid_username("octocat"));
  CHECK(is_valid_username("a.b@c+d-e_f"));
  CHECK_FALSE(is_valid_username("abcd"));
  CHECK_FALSE(is_valid_username("has space"));
  CHECK_FALSE(is_valid_username("ünïcode"));
}

TEST_CASE("derived usernames are ASCII-folded and lower case", "[users]") {
  CHECK(ascii_fold_lower("Ærøskøbing") == "aroskobing");
  CHECK(ascii_fold_lower("José Müller") == "josemuller");
  CHECK(ascii_fold_lower("日本") == "");
  external_identity id;
  id.preferred_username = "bob";  // too short: not used as is
  id.first_name = "Zoë";
  id.email = "z.q@example.com";
  auto candidates = username_candidates(id);
  REQUIRE(candidates.size() >= 2);
  CHECK(candidates[0] == "zoe");
  CHECK(candidates[1] == "z.q");
}

TEST_CASE("reserved usernames: one list and case-insensitive and never offered as is", "[users][security]") {
  for (const char* name : {"admin", "ADMIN", "Administrator", "root", "system", "support", "security", "null",
                           "undefined", "superuser", "staff", "api", "www", "cvat", "socialgate"})
    CHECK(is_reserved_username(name));
  CHECK_FALSE(is_reserved_username("octocat"));
  CHECK_FALSE(is_reserved_username("admin2"));
  external_identity id;
  id.preferred_username = "Admin";
  id.first_name = "Root";
  auto candidates = username_candidates(id);
  for (const auto& c : candidates) CHECK_FALSE(is_reserved_username(c));
  CHECK(suffix_base(id) == "Admin");  // the caller claims "Admin_<random>"
  id.first_name = "Alice";
  CHECK(username_candidates(id).front() == "alice");
}

TEST_CASE("cookie header parsing is bounded and keeps the first value", "[cookies][security]") {
  auto c = parse_cookie_header("a=1; b=\"2\"; a=3; junk; c=");
  REQUIRE(c);
  CHECK(c->at("a") == "1");
  CHECK(c->at("b") == "2");
  CHECK(c->at("c").empty());
  CHECK_FALSE(parse_cookie_header(std::string(max_cookie_header_bytes + 1, 'x')));
  std::string many;
  for (int i = 0; i < 100; ++i) many += "k" + std::to_string(i) + "=v; ";
  CHECK_FALSE(parse_cookie_header(many));
}

TEST_CASE("Set-Cookie attributes", "[cookies][security]") {
  cookie_attributes a;
  a.max_age = 60;
  a.secure = true;
  CHECK(make_set_cookie("sessionid", "v", a) == "sessionid=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax");
  CHECK(looks_like_token("abcdefghijklmnop_-0123"));
  CHECK_FALSE(looks_like_token("short"));
  CHECK_FALSE(looks_like_token("abcdefghijklmnop;x=1"));
}
