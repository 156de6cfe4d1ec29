#pragma once
// JSON Web Keys (RFC 7517) as OpenSSL public keys: RSA (n, e) and EC P-256 / P-384 (x, y).
#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sg::oidc {

struct pkey_deleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using pkey_ptr = std::shared_ptr<EVP_PKEY>;

struct jwk {
  std::string kid;
  std::string kty;  // "RSA" or "EC"
  std::string crv;  // EC: "P-256" or "P-384"
  std::string alg;  // optional hint from the set
  pkey_ptr key;
};

// A key usable for signature checks, or nullopt (unsupported type, private parts, "use": "enc",
// malformed numbers). Symmetric ("oct") keys are never accepted.
std::optional<jwk> parse_jwk(const nlohmann::json& doc);
// Every usable key of a JWKS document (`{"keys": [...]}`); throws std::runtime_error when the
// document itself is malformed.
std::vector<jwk> parse_jwks(const std::string& body);

}  // namespace sg::oidc
