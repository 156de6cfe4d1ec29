#include "providers/oidc/discovery.hpp"

#include <algorithm>

#include "core/bounded_json.hpp"
#include "core/url.hpp"
#include "providers/provider.hpp"

namespace sg::oidc {
namespace {
using kind = provider_error::kind;
using json = nlohmann::json;

[[noreturn]] void refuse(const char* field, const std::string& why) {
  throw provider_error(kind::bad_response, std::string("the discovery document's ") + field + " " + why);
}

// One endpoint: parsed strictly (core/url), https unless allowed, no fragment, and on an
// allowed origin. A URL that does not parse (javascript:, data:, userinfo, a bad port) is
// refused before it can become a Location header or receive a client secret.
void check_endpoint(const char* field, const std::string& url, const std::string& issuer_origin,
                    const endpoint_policy& policy) {
  auto parts = parse_http_url(url);
  if (!parts) refuse(field, "is not an http(s) URL without userinfo");
  if (parts->scheme != "https" && !policy.allow_insecure_http)
    refuse(field, "is not https (SOCIAL_AUTH_ALLOW_INSECURE_HTTP is off)");
  if (parts->path.find('#') != std::string::npos) refuse(field, "has a fragment");
  auto origin = parts->origin();
  if (origin == issuer_origin) return;
  if (std::find(policy.extra_origins.begin(), policy.extra_origins.end(), origin) != policy.extra_origins.end()) return;
  refuse(field, "is on " + origin + ", which is neither the issuer's origin (" + issuer_origin +
                    ") nor listed for this provider (endpoint_origins)");
}
}  // namespace

const std::vector<std::string>& google_endpoint_origins() {
  static const std::vector<std::string> origins = {"https://accounts.google.com", "https://oauth2.googleapis.com",
                                                   "https://openidconnect.googleapis.com", "https://www.googleapis.com"};
  return origins;
}

void check_endpoints(const endpoints& e, const endpoint_policy& policy) {
  auto issuer = parse_http_url(e.issuer);
  if (!issuer) refuse("issuer", "is not an http(s) URL");
  if (issuer->scheme != "https" && !policy.allow_insecure_http)
    refuse("issuer", "is not https (SOCIAL_AUTH_ALLOW_INSECURE_HTTP is off)");
  auto origin = issuer->origin();
  check_endpoint("authorization_endpoint", e.authorization, origin, policy);
  check_endpoint("token_endpoint", e.token, origin, policy);
  check_endpoint("jwks_uri", e.jwks, origin, policy);
  if (!e.userinfo.empty()) check_endpoint("userinfo_endpoint", e.userinfo, origin, policy);
}

endpoints parse_discovery(const std::string& body, const std::string& expected_issuer, const endpoint_policy& policy) {
  auto doc = parse_bounded_json(body);
  if (!doc || !doc->is_object()) throw provider_error(kind::bad_response, "the discovery document is not a JSON object");
  endpoints e;
  e.issuer = string_field(*doc, "issuer");
  auto bare = [](std::string s) {
    while (!s.empty() && s.back() == '/') s.pop_back();
    return s;
  };
  // "https://idp/" and "https://idp" name the same issuer in configuration; the document's
  // exact spelling is what ID tokens must carry.
  if (e.issuer.empty() || bare(e.issuer) != bare(expected_issuer))
    throw provider_error(kind::bad_response, "the discovery document's issuer '" + e.issuer.substr(0, 200) +
                                                 "' is not the configured '" + expected_issuer + "'");
  e.authorization = string_field(*doc, "authorization_endpoint");
  e.token = string_field(*doc, "token_endpoint");
  e.userinfo = string_field(*doc, "userinfo_endpoint");
  e.jwks = string_field(*doc, "jwks_uri");
  if (e.authorization.empty() || e.token.empty() || e.jwks.empty())
    throw provider_error(kind::bad_response, "the discovery document lacks authorization, token or JWKS endpoints");
  check_endpoints(e, policy);
  e.signing_algs = string_list(*doc, "id_token_signing_alg_values_supported");
  if (e.signing_algs.empty()) e.signing_algs = {"RS256"};  // the OIDC default
  e.pkce_methods = string_list(*doc, "code_challenge_methods_supported");
  e.token_auth_methods = string_list(*doc, "token_endpoint_auth_methods_supported");
  auto iss = doc->find("authorization_response_iss_parameter_supported");
  e.iss_in_response = iss != doc->end() && iss->is_boolean() && iss->get<bool>();
  return e;
}

std::string token_auth_method_for(const std::string& configured, const std::vector<std::string>& offered) {
  if (!configured.empty()) return configured;
  for (const char* method : {"client_secret_basic", "client_secret_post"})
    if (std::find(offered.begin(), offered.end(), method) != offered.end()) return method;
  return "client_secret_basic";
}

}  // namespace sg::oidc
