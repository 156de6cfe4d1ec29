#include "providers/oidc/jwk.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include <stdexcept>

#include "core/bounded_json.hpp"
#include "core/crypto.hpp"

namespace sg::oidc {
namespace {

std::string field(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct bn_deleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;

bn_ptr to_bignum(const std::string& raw) {
  return bn_ptr(BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()), nullptr));
}

pkey_ptr from_params(const char* type, OSSL_PARAM_BLD* builder) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return pkey_ptr(key, pkey_deleter{});
}

pkey_ptr rsa_key(const std::string& n, const std::string& e) {
  // Below 2048 bits an RSA signature is not worth trusting.
  if (n.size() < 256 || n.size() > 1024 || e.empty() || e.size() > 8) return nullptr;
  auto bn_n = to_bignum(n), bn_e = to_bignum(e);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  if (!builder || !bn_n || !bn_e || OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    OSSL_PARAM_BLD_free(builder);
    return nullptr;
  }
  auto key = from_params("RSA", builder);
  OSSL_PARAM_BLD_free(builder);
  return key;
}

pkey_ptr ec_key(const std::string& crv, const std::string& x, const std::string& y) {
  const char* group = crv == "P-256" ? "prime256v1" : crv == "P-384" ? "secp384r1" : nullptr;
  std::size_t size = crv == "P-256" ? 32 : 48;
  if (!group || x.size() != size || y.size() != size) return nullptr;
  std::string point = "\x04" + x + y;  // uncompressed point
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    OSSL_PARAM_BLD_free(builder);
    return nullptr;
  }
  auto key = from_params("EC", builder);
  OSSL_PARAM_BLD_free(builder);
  return key;
}

}  // namespace

std::optional<jwk> parse_jwk(const nlohmann::json& doc) {
  if (!doc.is_object()) return std::nullopt;
  jwk out;
  out.kid = field(doc, "kid");
  out.kty = field(doc, "kty");
  out.alg = field(doc, "alg");
  if (field(doc, "use") == "enc" || doc.contains("d")) return std::nullopt;  // not for signatures / private
  if (out.kty == "RSA") {
    auto n = base64url_decode(field(doc, "n")), e = base64url_decode(field(doc, "e"));
    if (!n || !e) return std::nullopt;
    out.key = rsa_key(*n, *e);
  } else if (out.kty == "EC") {
    out.crv = field(doc, "crv");
    auto x = base64url_decode(field(doc, "x")), y = base64url_decode(field(doc, "y"));
    if (!x || !y) return std::nullopt;
    out.key = ec_key(out.crv, *x, *y);
  }
  if (!out.key) return std::nullopt;
  return out;
}

std::vector<jwk> parse_jwks(const std::string& body) {
  auto doc = parse_bounded_json(body);
  if (!doc || !doc->is_object() || !doc->contains("keys") || !(*doc)["keys"].is_array())
    throw std::runtime_error("the JWKS document is not {\"keys\": [...]}");
  std::vector<jwk> keys;
  for (const auto& entry : (*doc)["keys"])
    if (auto key = parse_jwk(entry)) keys.push_back(std::move(*key));
  return keys;
}

}  // namespace sg::oidc
