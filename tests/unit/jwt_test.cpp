// ID-token verification against tokens signed the way the dev IdP (and a hostile IdP) signs.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "dev-idp/jwt_signer.hpp"
#include "providers/oidc/jwt.hpp"

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
