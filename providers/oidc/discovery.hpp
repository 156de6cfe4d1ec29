#pragma once
// OIDC discovery documents (OpenID Connect Discovery 1.0): parsed, and every endpoint checked
// before any of it is used. An IdP's document decides where browsers are sent (authorization)
// and where the client secret goes (token), so a document that points anywhere unexpected is
// refused as a whole.
#include <string>
#include <vector>

namespace sg::oidc {

struct endpoints {
  std::string issuer;
  std::string authorization;
  std::string token;
  std::string userinfo;
  std::string jwks;
  std::vector<std::string> signing_algs;
  std::vector<std::string> pkce_methods;
  std::vector<std::string> token_auth_methods;  // token_endpoint_auth_methods_supported
  bool iss_in_response = false;
};

// Where a provider's endpoints may be: https (http only with SOCIAL_AUTH_ALLOW_INSECURE_HTTP),
// no userinfo, no fragment, and on the issuer's origin or one of `extra_origins`.
struct endpoint_policy {
  bool allow_insecure_http = false;
  std::vector<std::string> extra_origins;  // "https://host[:port]", as url_parts::origin() prints them
};

// Google documents its endpoints on these hosts, apart from the issuer's.
const std::vector<std::string>& google_endpoint_origins();

// Throws provider_error(bad_response) naming the endpoint and the reason (never the whole URL
// beyond its origin).
endpoints parse_discovery(const std::string& body, const std::string& expected_issuer, const endpoint_policy& policy);
void check_endpoints(const endpoints& e, const endpoint_policy& policy);

// How the client authenticates at the token endpoint: the configured method when there is one,
// else (CVAT's default) the first of client_secret_basic and client_secret_post that discovery
// lists, and client_secret_basic (the OIDC default) when it lists neither.
std::string token_auth_method_for(const std::string& configured, const std::vector<std::string>& offered);

}  // namespace sg::oidc
