#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "core/url.hpp"

using namespace sg;

TEST_CASE("PKCE S256 matches the RFC 7636 appendix B example", "[crypto]") {
  CHECK(pkce_s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("random tokens carry 32 bytes and never repeat", "[crypto]") {
  auto a = random_token(32), b = random_token(32);
  CHECK(a.size() == 43);
  CHECK(a != b);
  CHECK(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
}

TEST_CASE("base64 and hex encodings", "[crypto]") {
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
}

TEST_CASE("percent decoding refuses malformed escapes", "[url]") {
  CHECK(url_decode("a%20b") == std::optional<std::string>("a b"));
  CHECK(url_decode("a+b", true) == std::optional<std::string>("a b"));
  CHECK_FALSE(url_decode("%"));
  CHECK_FALSE(url_decode("%2"));
  CHECK_FALSE(url_decode("%zz"));
  CHECK(url_encode("a b/c?d=é") == "a%20b%2Fc%3Fd%3D%C3%A9");
}

TEST_CASE("form parsing", "[url]") {
  auto form = parse_form("a=1&b=x+y&&c=%26");
  REQUIRE(form);
  CHECK(find_param(*form, "b") == std::optional<std::string>("x y"));
  CHECK(find_param(*form, "c") == std::optional<std::string>("&"));
  CHECK_FALSE(parse_form("a=%GG"));
}

TEST_CASE("http URL parsing", "[url]") {
  auto u = parse_http_url("HTTPS://Example.COM:8443/a?b");
  REQUIRE(u);
  CHECK(u->host == "example.com");
  CHECK(u->port == 8443);
  CHECK(u->origin() == "https://example.com:8443");
  CHECK(parse_http_url("http://h")->origin() == "http://h");
  CHECK_FALSE(parse_http_url("https://user@host/"));
  CHECK_FALSE(parse_http_url("ftp://host/"));
  CHECK_FALSE(parse_http_url("https://host:99999/"));
  CHECK_FALSE(parse_http_url("https://ho st/"));
  CHECK_FALSE(parse_http_url("https://"));
}

// Issue 9: "http://host:port:80/" passed the origin check as host "host:port" on port 80.
TEST_CASE("http URL parsing is strict about ports and hosts", "[url][security]") {
  for (const char* bad : {"http://host:port:80/", "http://host:80:80/", "http://host:/", "http://host:+80/",
                          "http://host:0080x/", "http://host:65536/", "http://host:0/", "http://host:123456/",
                          "http://host:-1/", "http://host:8 0/", "http://host: 80/", "http://host:0x50/",
                          "http://host:80a/", "http://ho%73t/", "http://host+evil/", "http://:80/",
                          "http://[::1]x/", "http://[::1]:/", "http://[::1]:80:80/", "http://[evil.example]/",
                          "http://h\xc3\xa9st/"}) {
    INFO(bad);
    CHECK_FALSE(parse_http_url(bad));
  }
  auto explicit_default = parse_http_url("http://host:80/x");
  REQUIRE(explicit_default);
  CHECK(explicit_default->origin() == "http://host");
  CHECK(parse_http_url("http://host:0080/")->port == 80);  // leading zeros are still digits
  CHECK(parse_http_url("https://host:65535")->port == 65535);
  auto v6 = parse_http_url("http://[::1]:8080/p");
  REQUIRE(v6);
  CHECK(v6->host == "[::1]");
  CHECK(v6->origin() == "http://[::1]:8080");
  CHECK(parse_http_url("https://login.example.com?x=1")->path == "?x=1");
}
