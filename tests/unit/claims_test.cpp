// Issue 9 (identity integrity), claims at the provider boundary: an address that only looks
// like another one (NUL, spaces, a tab, an upper-case domain) must never become a second user
// whose headers are byte-identical to the real one's; names are bounded and clean.
#include <catch2/catch.hpp>

#include <string>

#include "providers/claim_validation.hpp"
#include "providers/provider.hpp"

using namespace sg;
using namespace std::string_literals;

namespace {
external_identity raw_identity(std::string email, bool verified = true) {
  external_identity id;
  id.provider = "oidc/corp";
  id.subject = "sub-1";
  id.email = std::move(email);
  id.email_verified = verified;
  id.first_name = "Mona";
  id.last_name = "Octocat";
  id.preferred_username = "octocat";
  return id;
}
provider_descriptor descriptor(bool trust_email = false) {
  provider_descriptor d;
  d.slug = "oidc/corp";
  d.trust_email = trust_email;
  return d;
}
}  // namespace

TEST_CASE("claims: look-alike email addresses count as absent", "[claims][security]") {
  for (const auto& bad : {"octocat@example.com\0x"s, " octocat@example.com"s, "octocat@example.com "s,
                          "octocat@example.com\t"s, "\toctocat@example.com"s, "octo cat@example.com"s,
                          "octocat@example.com\n"s, "octocat@example.com\r\nX-Auth-User-Id: 1"s,
                          "octocat@example.com\x7f"s, "octocat@example.com\xc2\x85"s,  // DEL, NEL (C1)
                          "octocat@example.com\xc2\xa0"s,                              // no-break space
                          "octocat@example.com\xe2\x80\x8b"s,                          // zero-width space
                          "\xe2\x80\xaeoctocat@example.com"s,                          // right-to-left override
                          "octocat@example.com\xff"s, "octocat@example.com\xc0\xae"s,  // invalid, overlong UTF-8
                          "octocat@@example.com"s, "octo@cat@example.com"s, "octocat.example.com"s, "@example.com"s,
                          "octocat@"s, "octocat@.example.com"s, "octocat@example..com"s, "octocat@example.com."s,
                          std::string(250, 'a') + "@b.cd"s}) {
    INFO(bad);
    CHECK(validated_email(bad).empty());
    auto id = validated_identity(raw_identity(bad), descriptor(true));
    CHECK(id.email.empty());
    CHECK_FALSE(id.email_verified);  // an absent address is never "verified"
  }
}

TEST_CASE("claims: the domain is lowercased and the local part kept", "[claims]") {
  auto id = validated_identity(raw_identity("OctoCat@EXAMPLE.COM"), descriptor());
  CHECK(id.email == "OctoCat@example.com");
  CHECK(id.email_verified);
  CHECK(validated_email("octocat@example.com") == "octocat@example.com");
  CHECK(validated_email("j\xc3\xb6rg@b\xc3\xbc" "cher.example") == "j\xc3\xb6rg@b\xc3\xbc" "cher.example");  // UTF-8 kept
  auto longest = std::string(242, 'a') + "@example.com";  // 254 bytes
  CHECK(validated_email(longest) == longest);
  CHECK(validated_email(longest + "m").empty());
}

TEST_CASE("claims: names lose control characters and surrounding spaces and are bounded", "[claims]") {
  auto raw = raw_identity("octocat@example.com");
  raw.first_name = "  Mo\0na\t"s;
  raw.last_name = "Octo\xe2\x80\xae" "cat\r\n"s;
  raw.preferred_username = "\xc2\xa0octocat\x1b[31m "s;
  auto id = validated_identity(raw, descriptor());
  CHECK(id.first_name == "Mona");
  CHECK(id.last_name == "Octocat");
  CHECK(id.preferred_username == "octocat[31m");  // ESC removed; the rest is harmless text
  CHECK(validated_name("Mona Lisa") == "Mona Lisa");  // inner spaces stay
  CHECK(validated_name("bad \xff utf8").empty());   // invalid UTF-8 counts as absent

  // 200 two-byte characters: cut at 150 bytes on a character boundary, never mid-character.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xc3\xbc";
  auto cut = validated_name("x" + umlauts);
  CHECK(cut.size() == 149);
  CHECK(validated_name(cut) == cut);  // still valid UTF-8 (invalid would give "")
  CHECK(validated_name(std::string(149, 'a') + " b").size() == 149);  // no trailing space after a cut
}

TEST_CASE("claims: an unusable subject fails the login as a bad IdP answer", "[claims][security]") {
  for (const auto& subject : {""s, "sub\0x"s, "sub\n1"s, "sub\xff"s, std::string(256, 's')}) {
    INFO(subject);
    auto raw = raw_identity("octocat@example.com");
    raw.subject = subject;
    try {
      validated_identity(raw, descriptor());
      FAIL("accepted");
    } catch (const provider_error& e) {
      CHECK(e.what_kind == provider_error::kind::bad_response);
    }
  }
  auto raw = raw_identity("octocat@example.com");
  raw.subject = std::string(255, 's');
  CHECK(validated_identity(raw, descriptor()).subject.size() == 255);
}

TEST_CASE("claims: email trust comes from the provider's descriptor", "[claims]") {
  CHECK(validated_identity(raw_identity("a@example.com"), descriptor(true)).email_trusted);
  CHECK_FALSE(validated_identity(raw_identity("a@example.com"), descriptor(false)).email_trusted);
}
