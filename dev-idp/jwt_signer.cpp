#include "dev-idp/jwt_signer.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <stdexcept>

#include "core/crypto.hpp"

namespace sg::dev {
namespace {
std::string bn_param(EVP_PKEY* key, const char* name, std::size_t pad_to = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("cannot read key parameter");
  std::size_t size = std::max<std::size_t>(pad_to, static_cast<std::size_t>(BN_num_bytes(bn)));
  std::string out(size, '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size));
  BN_free(bn);
  return out;
}

std::string b64json(const nlohmann::json& doc) { return base64url_encode(doc.dump()); }
}  // namespace

signing_key signing_key::generate(const std::string& alg, const std::string& kid) {
  signing_key out;
  out.alg_ = alg;
  out.kid_ = kid;
  EVP_PKEY* key = alg == "ES256" ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  if (!key) throw std::runtime_error("key generation failed");
  out.key_.reset(key, EVP_PKEY_free);
  return out;
}

nlohmann::json signing_key::public_jwk() const {
  if (alg_ == "ES256")
    return {{"kty", "EC"}, {"crv", "P-256"}, {"kid", kid_}, {"use", "sig"}, {"alg", alg_},
            {"x", base64url_encode(bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
            {"y", base64url_encode(bn_param(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  return {{"kty", "RSA"}, {"kid", kid_}, {"use", "sig"}, {"alg", alg_},
          {"n", base64url_encode(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_N))},
          {"e", base64url_encode(bn_param(key_.get(), OSSL_PKEY_PARAM_RSA_E))}};
}

std::string signing_key::sign_input(const std::string& input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), nullptr, key_.get()) == 1;
  if (ok && alg_ == "PS256")
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  std::size_t length = 0;
  ok = ok && EVP_DigestSign(ctx, nullptr, &length, reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  std::string signature(length, '\0');
  ok = ok && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
                            reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("signing failed");
  signature.resize(length);
  if (alg_ == "ES256") {  // DER to JWS r||s
    const unsigned char* p = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(signature.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data() + 32), 32);
    ECDSA_SIG_free(sig);
    return raw;
  }
  return signature;
}

std::string signing_key::sign_with_kid(const nlohmann::json& claims, const std::string& kid) const {
  auto input = b64json({{"alg", alg_}, {"kid", kid}, {"typ", "JWT"}}) + "." + b64json(claims);
  return input + "." + base64url_encode(sign_input(input));
}

std::string signing_key::sign(const nlohmann::json& claims) const { return sign_with_kid(claims, kid_); }

std::string signing_key::sign_with_alg_none(const nlohmann::json& claims) const {
  return b64json({{"alg", "none"}, {"kid", kid_}, {"typ", "JWT"}}) + "." + b64json(claims) + ".";
}

std::string signing_key::sign_hmac_with_public_key(const nlohmann::json& claims) const {
  // The classic key-confusion attack: HS256 keyed with the RSA public key's bytes.
  auto input = b64json({{"alg", "HS256"}, {"kid", kid_}, {"typ", "JWT"}}) + "." + b64json(claims);
  auto secret = public_jwk().dump();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &length);
  return input + "." + base64url_encode(std::string(reinterpret_cast<char*>(mac), length));
}

}  // namespace sg::dev
