// ID-token verification against tokens signed the way the dev IdP (and a hostile IdP) signs.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "dev-idp/jwt_signer.hpp"
#include "providers/oidc/discovery.hpp"
#include "providers/oidc/jwt.hpp"
#include "providers/provider.hpp"

using namespace sg;
using namespace sg::oidc;
using json = nlohmann::json;

namespace {
const long long now = 1800000000;

json claims(json overrides = json::object()) {
  json c = {{"iss", "https://idp.example"}, {"sub", "user-1"}, {"aud", "client-1"}, {"exp", now + 300},
            {"iat", now - 10}, {"nonce", "n-123"}, {"email", "a@example.com"}, {"email_verified", true}};
  c.update(overrides);
  return c;
}

claim_expectations expected() { return {"https://idp.example", "client-1", "n-123", now, 60}; }

std::vector<jwk> keyset(const dev::signing_key& key) { return parse_jwks(json{{"keys", {key.public_jwk()}}}.dump()); }

std::string refusal(const std::string& token, const std::vector<jwk>& keys, std::vector<std::string> allowed = supported_algorithms(),
                    bool* unknown_kid = nullptr) {
  try {
    verify_id_token(token, keys, allowed, expected(), unknown_kid);
  } catch (const jwt_error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("ID tokens signed with RS256, PS256 and ES256 verify", "[oidc][jwt]") {
  for (const char* alg : {"RS256", "PS256", "ES256"}) {
    INFO(alg);
    auto key = dev::signing_key::generate(alg, std::string("k-") + alg);
    auto verified = verify_id_token(key.sign(claims()), keyset(key), supported_algorithms(), expected());
    CHECK(verified["sub"] == "user-1");
  }
}

TEST_CASE("every ID-token misbehaviour is refused with the check that failed", "[oidc][jwt][security]") {
  auto key = dev::signing_key::generate("RS256", "k1");
  auto keys = keyset(key);
  auto good = key.sign(claims());
  REQUIRE(refusal(good, keys).empty());

  // A changed payload under the old signature.
  auto dot1 = good.find('.'), dot2 = good.rfind('.');
  auto tampered = good.substr(0, dot1 + 1) + base64url_encode(claims({{"sub", "admin"}}).dump()) + good.substr(dot2);
  CHECK(refusal(tampered, keys).find("signature") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"aud", "other-client"}})), keys).find("audience") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"exp", now - 61}})), keys).find("expired") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"exp", now - 30}})), keys).empty());  // within the leeway
  CHECK(refusal(key.sign(claims({{"iat", now + 600}})), keys).find("future") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"nonce", "other"}})), keys).find("nonce") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"iss", "https://evil.example"}})), keys).find("issuer") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"aud", {"client-1", "client-2"}}})), keys).find("azp") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"aud", {"client-1", "client-2"}}, {"azp", "client-2"}})), keys).find("azp") != std::string::npos);
  CHECK(refusal(key.sign(claims({{"aud", {"client-1", "client-2"}}, {"azp", "client-1"}})), keys).empty());
  CHECK(refusal(key.sign(claims({{"sub", ""}})), keys).find("subject") != std::string::npos);
  CHECK(refusal(key.sign_with_alg_none(claims()), keys).find("algorithm") != std::string::npos);
  CHECK(refusal(key.sign_hmac_with_public_key(claims()), keys).find("algorithm") != std::string::npos);
  bool unknown = false;
  CHECK(refusal(key.sign_with_kid(claims(), "rotated-away"), keys, supported_algorithms(), &unknown).find("kid") != std::string::npos);
  CHECK(unknown);
  CHECK(refusal(good, keys, {"ES256"}).find("algorithm") != std::string::npos);  // not in the IdP's allow-list
  CHECK(refusal("a.b", keys).find("three parts") != std::string::npos);
  CHECK(refusal("a.b.c.d.e", keys).find("three parts") != std::string::npos);
  CHECK_FALSE(refusal("!!!.@@@.###", keys).empty());
}

TEST_CASE("a key of the wrong type never verifies (no algorithm confusion)", "[oidc][jwt][security]") {
  auto ec = dev::signing_key::generate("ES256", "shared-kid");
  auto rsa = dev::signing_key::generate("RS256", "shared-kid");
  // An RS256 token against an EC key with the same kid: refused, not "verified" by accident.
  CHECK_FALSE(refusal(rsa.sign(claims()), keyset(ec)).empty());
  CHECK_FALSE(refusal(ec.sign(claims()), keyset(rsa)).empty());
}

TEST_CASE("JWKS parsing keeps only usable public signature keys", "[oidc][jwt][security]") {
  auto rsa = dev::signing_key::generate("RS256", "r");
  auto ec = dev::signing_key::generate("ES256", "e");
  auto secret = json{{"kty", "oct"}, {"kid", "s"}, {"k", "c2VjcmV0"}};
  auto enc = rsa.public_jwk();
  enc["use"] = "enc";
  enc["kid"] = "enc";
  auto small = json{{"kty", "RSA"}, {"kid", "small"}, {"n", base64url_encode(std::string(64, '\x01'))}, {"e", "AQAB"}};
  auto keys = parse_jwks(json{{"keys", {rsa.public_jwk(), ec.public_jwk(), secret, enc, small, "junk", json::object()}}}.dump());
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].kid == "r");
  CHECK(keys[1].kid == "e");
  CHECK_THROWS(parse_jwks("[]"));
  CHECK_THROWS(parse_jwks("{\"keys\": 5}"));
}

// Issue 9: a key replaced under the same kid. The verifier must say "a key matched but the
// signature failed", so that the relying party refetches the JWKS instead of refusing until the
// hourly refresh; other failures (claims, unknown kid) must not claim that.
TEST_CASE("a signature that fails under a known kid is reported as a possibly stale key", "[oidc][jwt]") {
  auto old_key = dev::signing_key::generate("RS256", "same-kid");
  auto new_key = dev::signing_key::generate("RS256", "same-kid");
  bool unknown = true, bad_signature = false;
  try {
    verify_id_token(new_key.sign(claims()), keyset(old_key), supported_algorithms(), expected(), &unknown, &bad_signature);
    FAIL("a token signed by another key verified");
  } catch (const jwt_error& e) {
    CHECK(std::string(e.what()).find("signature") != std::string::npos);
  }
  CHECK(bad_signature);
  CHECK_FALSE(unknown);
  // With the refetched set it verifies.
  CHECK(verify_id_token(new_key.sign(claims()), keyset(new_key), supported_algorithms(), expected())["sub"] == "user-1");
  // A claims failure under a good signature is not a key problem.
  bad_signature = true;
  CHECK_THROWS_AS(verify_id_token(old_key.sign(claims({{"aud", "x"}})), keyset(old_key), supported_algorithms(), expected(),
                                  &unknown, &bad_signature),
                  jwt_error);
  CHECK_FALSE(bad_signature);
}

// Issue 9: discovery decides where browsers go (authorization) and where the client secret goes
// (token), so every endpoint must be on the issuer's origin or one listed for the provider.
TEST_CASE("discovery documents with endpoints elsewhere are refused, naming the endpoint", "[oidc][discovery][security]") {
  auto document = [](json overrides) {
    json doc = {{"issuer", "https://idp.example"},
                {"authorization_endpoint", "https://idp.example/authorize"},
                {"token_endpoint", "https://idp.example/token"},
                {"userinfo_endpoint", "https://idp.example/userinfo"},
                {"jwks_uri", "https://idp.example/jwks"}};
    doc.update(overrides);
    return doc.dump();
  };
  auto refusal = [](const std::string& body, const endpoint_policy& policy,
                    const std::string& issuer = "https://idp.example") -> std::string {
    try {
      parse_discovery(body, issuer, policy);
    } catch (const provider_error& e) {
      CHECK(e.what_kind == provider_error::kind::bad_response);
      return e.what();
    }
    return "";
  };
  endpoint_policy strict;
  CHECK(refusal(document(json::object()), strict).empty());
  CHECK(parse_discovery(document(json::object()), "https://idp.example/", strict).token == "https://idp.example/token");
  struct bad_document {
    json overrides;
    const char* endpoint;
  };
  for (const auto& [overrides, endpoint] : {
           bad_document{{{"authorization_endpoint", "javascript:alert(1)//"}}, "authorization_endpoint"},
           bad_document{{{"authorization_endpoint", "data:text/html,<script>alert(1)</script>"}}, "authorization_endpoint"},
           bad_document{{{"authorization_endpoint", "https://idp.example/authorize#x"}}, "authorization_endpoint"},
           bad_document{{{"token_endpoint", "https://evil.example/token"}}, "token_endpoint"},
           bad_document{{{"token_endpoint", "https://idp.example:8443/token"}}, "token_endpoint"},   // another port
           bad_document{{{"token_endpoint", "http://idp.example/token"}}, "token_endpoint"},         // plain http
           bad_document{{{"token_endpoint", "https://me@idp.example/token"}}, "token_endpoint"},     // userinfo
           bad_document{{{"token_endpoint", "https://idp.example:443:80/token"}}, "token_endpoint"}, // two ports
           bad_document{{{"token_endpoint", "ftp://idp.example/token"}}, "token_endpoint"},
           bad_document{{{"jwks_uri", "https://idp.example.evil.example/jwks"}}, "jwks_uri"},
           bad_document{{{"userinfo_endpoint", "https://evil.example/userinfo"}}, "userinfo_endpoint"},
       }) {
    INFO(overrides.dump());
    CHECK(refusal(document(overrides), strict).find(endpoint) != std::string::npos);
  }
  // Listed origins (endpoint_origins; Google's built-in hosts) are accepted, others still not.
  endpoint_policy listed{false, {"https://tokens.example"}};
  CHECK(refusal(document({{"token_endpoint", "https://tokens.example/token"}}), listed).empty());
  CHECK_FALSE(refusal(document({{"jwks_uri", "https://keys.example/jwks"}}), listed).empty());
  json google = {{"issuer", "https://accounts.google.com"},
                 {"authorization_endpoint", "https://accounts.google.com/o/oauth2/v2/auth"},
                 {"token_endpoint", "https://oauth2.googleapis.com/token"},
                 {"userinfo_endpoint", "https://openidconnect.googleapis.com/v1/userinfo"},
                 {"jwks_uri", "https://www.googleapis.com/oauth2/v3/certs"}};
  CHECK(parse_discovery(google.dump(), "https://accounts.google.com", {false, google_endpoint_origins()}).jwks ==
        "https://www.googleapis.com/oauth2/v3/certs");
  CHECK_THROWS_AS(parse_discovery(google.dump(), "https://accounts.google.com", strict), provider_error);
  // http only with the insecure switch, and still on the issuer's origin.
  auto local = json{{"issuer", "http://127.0.0.1:9000/oidc"}, {"authorization_endpoint", "http://127.0.0.1:9000/oidc/authorize"},
                    {"token_endpoint", "http://127.0.0.1:9000/oidc/token"}, {"jwks_uri", "http://127.0.0.1:9000/oidc/jwks"}};
  CHECK_THROWS_AS(parse_discovery(local.dump(), "http://127.0.0.1:9000/oidc", strict), provider_error);
  CHECK(parse_discovery(local.dump(), "http://127.0.0.1:9000/oidc", {true, {}}).userinfo.empty());
  local["token_endpoint"] = "http://localhost:9000/oidc/token";  // the same server under another origin
  CHECK(refusal(local.dump(), {true, {}}, "http://127.0.0.1:9000/oidc").find("token_endpoint") != std::string::npos);
  CHECK(refusal(local.dump(), {true, {"http://localhost:9000"}}, "http://127.0.0.1:9000/oidc").empty());
}

// Issue 11: an auth_config.yml IdP without token_auth_method authenticates as its discovery
// document offers (CVAT's default): basic when listed, else post, and basic when neither is.
TEST_CASE("token_auth_method defaults to what discovery offers", "[oidc][discovery][config]") {
  json doc = {{"issuer", "https://idp.example"},
              {"authorization_endpoint", "https://idp.example/authorize"},
              {"token_endpoint", "https://idp.example/token"},
              {"jwks_uri", "https://idp.example/jwks"},
              {"token_endpoint_auth_methods_supported", {"private_key_jwt", "client_secret_post"}}};
  auto e = parse_discovery(doc.dump(), "https://idp.example", {});
  CHECK(e.token_auth_methods == std::vector<std::string>{"private_key_jwt", "client_secret_post"});
  CHECK(token_auth_method_for("", e.token_auth_methods) == "client_secret_post");
  CHECK(token_auth_method_for("", {"client_secret_post", "client_secret_basic"}) == "client_secret_basic");
  CHECK(token_auth_method_for("", {"private_key_jwt"}) == "client_secret_basic");
  CHECK(token_auth_method_for("", {}) == "client_secret_basic");
  // A configured method always wins.
  CHECK(token_auth_method_for("client_secret_basic", e.token_auth_methods) == "client_secret_basic");
}
