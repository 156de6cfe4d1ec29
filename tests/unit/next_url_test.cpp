#include <catch2/catch.hpp>

#include "gateway/next_url.hpp"

using namespace sg;

TEST_CASE("next: relative paths on this site are honoured", "[next][security]") {
  next_url_policy policy({"https://cvat.example.com"});
  for (const char* ok : {"/", "/tasks", "/tasks/1?page=2#x", "/a/b/../c", "/search?q=%20x", "/%7Euser", "/search?q=%C3%A9t%C3%A9"})
    CHECK(policy.validate(ok) == std::optional<std::string>(ok));
  CHECK(policy.validate("") == std::optional<std::string>("/"));
  CHECK(policy.validate("https://cvat.example.com/tasks") == std::optional<std::string>("https://cvat.example.com/tasks"));
  CHECK(policy.validate("HTTPS://CVAT.example.com:443/x"));
}

TEST_CASE("next: every way off the site is refused", "[next][security]") {
  next_url_policy policy({"https://cvat.example.com"});
  const char* hostile[] = {
      "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
      "https://evil.example", "http://evil.example/", "https://cvat.example.com.evil.example/",
      "https://cvat.example.com@evil.example/", "https://evil.example#https://cvat.example.com",
      "http://cvat.example.com/", "https://cvat.example.com:8443/", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
      "data:text/html,<script>alert(1)</script>", "/%2F%2Fevil.example", "/%2f%2fevil.example", "%2F%2Fevil.example",
      "/%5Cevil.example", "/%5cevil.example", "/%252F%252Fevil.example", "/%09/evil.example", "/\t/evil.example",
      "/\r\n/evil.example", "/%0d%0aSet-Cookie:x=y", "/ /evil.example", " /tasks", "/tasks\x7f", "evil.example",
      "https:evil.example", "https:/evil.example", "/\xe2\x80\xae/evil", "/%",
      "/%zz", "%", "https://evil.example/%2F..", "//cvat.example.com", "ftp://cvat.example.com/",
  };
  for (const char* value : hostile) {
    INFO("next = " << value);
    CHECK_FALSE(policy.validate(value));
  }
}

// Issue 9: a second port, an empty or signed port, or junk after the digits used to be read as
// part of the host or ignored; now the URL does not parse, so it is refused, never redirected to.
TEST_CASE("next: absolute URLs with malformed ports are refused", "[next][security]") {
  next_url_policy policy({"http://cvat.example.com:8080"});
  CHECK(policy.validate("http://cvat.example.com:8080/tasks"));
  for (const char* value : {"http://cvat.example.com:8080:80/", "http://cvat.example.com:x:8080/", "http://cvat.example.com:/",
                            "http://cvat.example.com:+8080/", "http://cvat.example.com:8080x/", "http://cvat.example.com:08080a/",
                            "http://cvat.example.com:65536/", "http://cvat.example.com%3A8080/"}) {
    INFO("next = " << value);
    CHECK_FALSE(policy.validate(value));
  }
}
