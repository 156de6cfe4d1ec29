#include <catch2/catch.hpp>

#include "providers/github_provider.hpp"

using namespace sg;

namespace {
provider_error::kind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const provider_error& e) {
    return e.what_kind;
  }
  FAIL("no provider_error thrown");
  return provider_error::kind::unavailable;
}
}  // namespace

TEST_CASE("GitHub token errors come back as HTTP 200 with an error field", "[github]") {
  CHECK(parse_github_token_response({200, R"({"access_token":"gho_x","token_type":"bearer"})", "application/json"}) == "gho_x");
  CHECK(kind_of([] { parse_github_token_response({200, R"({"error":"bad_verification_code"})", ""}); }) ==
        provider_error::kind::rejected);
  CHECK(kind_of([] { parse_github_token_response({200, "not json", ""}); }) == provider_error::kind::bad_response);
  CHECK(kind_of([] { parse_github_token_response({200, "[]", ""}); }) == provider_error::kind::bad_response);
  CHECK(kind_of([] { parse_github_token_response({200, "{}", ""}); }) == provider_error::kind::bad_response);
  CHECK(kind_of([] { parse_github_token_response({502, "", ""}); }) == provider_error::kind::unavailable);
}

TEST_CASE("the GitHub key is the numeric id and the login only a username", "[github]") {
  auto identity = parse_github_user(R"({"login":"octocat","id":583231,"name":"Mona Lisa Octocat","email":"x@y"})");
  CHECK(identity.subject == "583231");
  CHECK(identity.preferred_username == "octocat");
  CHECK(identity.first_name == "Mona");
  CHECK(identity.last_name == "Lisa Octocat");
  CHECK(identity.email.empty());  // the profile's public email is never trusted
  CHECK(kind_of([] { parse_github_user(R"({"login":"x","id":"583231"})"); }) == provider_error::kind::bad_response);
  CHECK(kind_of([] { parse_github_user(R"({"login":"x"})"); }) == provider_error::kind::bad_response);
}

TEST_CASE("GitHub email choice: primary verified else first verified and never unverified", "[github][security]") {
  CHECK(pick_github_email(R"([{"email":"a@x","primary":false,"verified":true},{"email":"b@x","primary":true,"verified":true}])") == "b@x");
  CHECK(pick_github_email(R"([{"email":"a@x","primary":true,"verified":false},{"email":"b@x","primary":false,"verified":true}])") == "b@x");
  CHECK(pick_github_email(R"([{"email":"a@x","primary":true,"verified":false}])").empty());
  CHECK(pick_github_email(R"([{"email":"a@x","primary":true,"verified":"true"}])").empty());
  CHECK(pick_github_email("[]").empty());
  CHECK(kind_of([] { pick_github_email("{}"); }) == provider_error::kind::bad_response);
}

// Issue 9: invalid UTF-8 in an IdP's answer is a failed login (502), never a crash later when
// the value is dumped to JSON or a log line; escaped control characters parse, and the provider
// boundary (claim_validation) decides what they are worth.
TEST_CASE("GitHub answers with invalid UTF-8 are a bad response", "[github][security]") {
  CHECK(kind_of([] { parse_github_user("{\"login\":\"octo\xff\",\"id\":1}"); }) == provider_error::kind::bad_response);
  CHECK(kind_of([] { pick_github_email("[{\"email\":\"a@b\xc0\xae\",\"verified\":true,\"primary\":true}]"); }) ==
        provider_error::kind::bad_response);
  CHECK(kind_of([] { parse_github_token_response({200, "{\"access_token\":\"\xed\xa0\x80\"}", ""}); }) ==
        provider_error::kind::bad_response);  // an encoded surrogate
  CHECK(pick_github_email(R"([{"email":"octocat@example.com\u0000x","verified":true,"primary":true}])") ==
        std::string("octocat@example.com\0x", 21));
}
