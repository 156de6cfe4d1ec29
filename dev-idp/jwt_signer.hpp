#pragma once
// The dev IdP's signing keys: generated at start (RSA-2048 or EC P-256), published as a JWKS,
// rotated on demand. Also signs in the ways a broken or hostile IdP would (alg none, HMAC with
// the public key), so that the tests can prove socialgate refuses them.
#include <openssl/evp.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace sg::dev {

class signing_key {
 public:
  static signing_key generate(const std::string& alg, const std::string& kid);  // RS256, PS256, ES256
  nlohmann::json public_jwk() const;
  // header.payload.signature with `alg` and `kid` in the header.
  std::string sign(const nlohmann::json& claims) const;
  // Misbehaviours for tests.
  std::string sign_with_alg_none(const nlohmann::json& claims) const;
  std::string sign_hmac_with_public_key(const nlohmann::json& claims) const;
  std::string sign_with_kid(const nlohmann::json& claims, const std::string& kid) const;
  const std::string& kid() const { return kid_; }
  const std::string& alg() const { return alg_; }

 private:
  std::string sign_input(const std::string& input) const;
  std::string alg_;
  std::string kid_;
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace sg::dev
