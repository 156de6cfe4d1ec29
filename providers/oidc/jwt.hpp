#pragma once
// ID tokens: compact JWS parsing, signature verification with OpenSSL, and the OIDC claim
// checks. Every refusal names the check that failed (never the token itself).
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "providers/oidc/jwk.hpp"

namespace sg::oidc {

struct jwt_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct parsed_jwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;  // base64url(header) "." base64url(payload)
  std::string signature;      // raw bytes
  std::string alg() const;
  std::string kid() const;
};

// Signature algorithms socialgate can verify. "none" and every HMAC are never accepted: an
// ID token signed with a shared secret proves nothing to a public-key verifier.
const std::vector<std::string>& supported_algorithms();

parsed_jwt parse_jwt(const std::string& token);  // throws jwt_error
// The key must match the algorithm's family (RSA for RS/PS, the right curve for ES).
bool verify_signature(const parsed_jwt& token, const jwk& key);

struct claim_expectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;  // empty: no nonce expected
  long long now = 0;
  long leeway_seconds = 60;
};
void check_claims(const nlohmann::json& claims, const claim_expectations& expected);  // throws jwt_error

// The whole check: algorithm allow-listed, a key with this kid, signature, then claims.
// `allowed` is the configured/discovered allow-list (intersected with the supported set).
// Throws jwt_error; `unknown_kid` is set when no key matched, `bad_signature` when a key matched
// but the signature did not verify with it (the IdP may have replaced the key under the same
// kid). In both cases the caller may refetch the JWKS (rate-limited) and try once more.
nlohmann::json verify_id_token(const std::string& token, const std::vector<jwk>& keys,
                               const std::vector<std::string>& allowed, const claim_expectations& expected,
                               bool* unknown_kid = nullptr, bool* bad_signature = nullptr);

}  // namespace sg::oidc
