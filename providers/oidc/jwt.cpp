#include "providers/oidc/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include <algorithm>

#include "core/bounded_json.hpp"
#include "core/crypto.hpp"

namespace sg::oidc {
namespace {

const EVP_MD* digest_for(const std::string& alg) {
  auto bits = alg.substr(2);
  if (bits == "256") return EVP_sha256();
  if (bits == "384") return EVP_sha384();
  if (bits == "512") return EVP_sha512();
  return nullptr;
}

bool key_matches(const std::string& alg, const jwk& key) {
  if (alg.rfind("RS", 0) == 0 || alg.rfind("PS", 0) == 0) return key.kty == "RSA";
  if (alg == "ES256") return key.kty == "EC" && key.crv == "P-256";
  if (alg == "ES384") return key.kty == "EC" && key.crv == "P-384";
  return false;
}

// JWS carries ECDSA signatures as r||s; OpenSSL wants DER.
std::string ecdsa_raw_to_der(const std::string& raw) {
  std::size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), static_cast<int>(half), nullptr);
  std::string der;
  if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
    r = s = nullptr;  // owned by sig now
    unsigned char* out = nullptr;
    int length = i2d_ECDSA_SIG(sig, &out);
    if (length > 0) der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(length));
    OPENSSL_free(out);
  }
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  return der;
}

bool has_audience(const nlohmann::json& aud, const std::string& client_id, std::size_t* count) {
  if (aud.is_string()) {
    *count = 1;
    return aud.get<std::string>() == client_id;
  }
  if (!aud.is_array()) return false;
  *count = aud.size();
  return std::any_of(aud.begin(), aud.end(), [&](const auto& a) { return a.is_string() && a.template get<std::string>() == client_id; });
}

}  // namespace

const std::vector<std::string>& supported_algorithms() {
  static const std::vector<std::string> algs = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"};
  return algs;
}

std::string parsed_jwt::alg() const { return header.contains("alg") && header["alg"].is_string() ? header["alg"].get<std::string>() : ""; }
std::string parsed_jwt::kid() const { return header.contains("kid") && header["kid"].is_string() ? header["kid"].get<std::string>() : ""; }

parsed_jwt parse_jwt(const std::string& token) {
  if (token.size() > 16384) throw jwt_error("the ID token is too large");
  auto first = token.find('.');
  auto second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos || token.find('.', second + 1) != std::string::npos)
    throw jwt_error("the ID token is not a compact JWS (three parts)");
  auto header = base64url_decode(std::string_view(token).substr(0, first));
  auto payload = base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  auto signature = base64url_decode(std::string_view(token).substr(second + 1));
  if (!header || !payload || !signature) throw jwt_error("the ID token is not valid base64url");
  auto header_json = parse_bounded_json(*header), claims = parse_bounded_json(*payload);
  if (!header_json || !header_json->is_object() || !claims || !claims->is_object())
    throw jwt_error("the ID token's header or claims are not JSON objects");
  if (header_json->contains("crit")) throw jwt_error("the ID token has critical header parameters we do not support");
  return {std::move(*header_json), std::move(*claims), token.substr(0, second), std::move(*signature)};
}

bool verify_signature(const parsed_jwt& token, const jwk& key) {
  auto alg = token.alg();
  const EVP_MD* md = digest_for(alg);
  if (!md || !key_matches(alg, key)) return false;
  std::string signature = token.signature;
  if (alg.rfind("ES", 0) == 0) {
    if (signature.size() != (alg == "ES256" ? 64u : 96u)) return false;
    signature = ecdsa_raw_to_der(signature);
    if (signature.empty()) return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = ctx && EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, key.key.get()) == 1;
  if (ok && alg.rfind("PS", 0) == 0)
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  ok = ok && EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                              reinterpret_cast<const unsigned char*>(token.signing_input.data()),
                              token.signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

void check_claims(const nlohmann::json& claims, const claim_expectations& expected) {
  auto text = [&](const char* name) {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto number = [&](const char* name) -> std::optional<long long> {
    auto it = claims.find(name);
    if (it == claims.end() || !it->is_number()) return std::nullopt;
    return static_cast<long long>(it->get<double>());
  };
  if (text("iss") != expected.issuer) throw jwt_error("the ID token's issuer (iss) is not the expected one");
  if (text("sub").empty()) throw jwt_error("the ID token has no subject (sub)");
  std::size_t audiences = 0;
  if (!claims.contains("aud") || !has_audience(claims["aud"], expected.client_id, &audiences))
    throw jwt_error("the ID token's audience (aud) does not include this client");
  auto azp = text("azp");
  if (audiences > 1 && azp.empty()) throw jwt_error("the ID token has several audiences and no azp");
  if (!azp.empty() && azp != expected.client_id) throw jwt_error("the ID token's azp is another client");
  auto exp = number("exp"), iat = number("iat"), nbf = number("nbf");
  if (!exp || *exp + expected.leeway_seconds < expected.now) throw jwt_error("the ID token has expired (exp)");
  if (!iat || *iat - expected.leeway_seconds > expected.now) throw jwt_error("the ID token was issued in the future (iat)");
  if (nbf && *nbf - expected.leeway_seconds > expected.now) throw jwt_error("the ID token is not valid yet (nbf)");
  if (!expected.nonce.empty() && !constant_time_equal(text("nonce"), expected.nonce))
    throw jwt_error("the ID token's nonce does not match this login");
}

nlohmann::json verify_id_token(const std::string& token, const std::vector<jwk>& keys,
                               const std::vector<std::string>& allowed, const claim_expectations& expected,
                               bool* unknown_kid, bool* bad_signature) {
  if (unknown_kid) *unknown_kid = false;
  if (bad_signature) *bad_signature = false;
  auto jwt = parse_jwt(token);
  auto alg = jwt.alg();
  const auto& supported = supported_algorithms();
  if (std::find(supported.begin(), supported.end(), alg) == supported.end() ||
      std::find(allowed.begin(), allowed.end(), alg) == allowed.end())
    throw jwt_error("the ID token's algorithm '" + alg.substr(0, 16) + "' is not allowed");
  auto kid = jwt.kid();
  std::vector<const jwk*> candidates;
  for (const auto& key : keys)
    if ((kid.empty() || key.kid == kid) && key_matches(alg, key)) candidates.push_back(&key);
  if (candidates.empty()) {
    if (unknown_kid) *unknown_kid = true;
    throw jwt_error("no key of the IdP matches the ID token's key id (kid)");
  }
  if (kid.empty() && candidates.size() > 1) throw jwt_error("the ID token names no key id and the IdP has several keys");
  if (!verify_signature(jwt, *candidates.front())) {
    if (bad_signature) *bad_signature = true;
    throw jwt_error("the ID token's signature is invalid");
  }
  check_claims(jwt.claims, expected);
  return jwt.claims;
}

}  // namespace sg::oidc
