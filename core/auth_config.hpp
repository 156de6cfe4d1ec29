#pragma once
// CVAT's auth_config.yml: sso.identity_providers[] of OIDC IdPs (SPEC section 4).
#include <string>
#include <vector>

namespace sg {

struct sso_identity_provider {
  std::string id;
  std::string name;
  std::string server_url;  // the issuer; discovery at <server_url>/.well-known/openid-configuration
  std::string client_id;
  std::string client_secret;
  std::string token_auth_method = "client_secret_basic";
  std::string email_domain;
  int weight = 0;
  std::string callback_url;  // derived from CVAT_BASE_URL
  bool trust_email = false;  // may a verified email from this IdP join an existing user (SPEC section 5)
  // Origins (scheme://host[:port]) besides the issuer's where this IdP's discovery may place
  // its endpoints (`endpoint_origins`).
  std::vector<std::string> endpoint_origins;
};

// Throws config_error (variable AUTH_CONFIG_PATH) naming the line and the field at fault.
std::vector<sso_identity_provider> load_auth_config(const std::string& path, const std::string& base_url,
                                                    bool allow_insecure_http);

}  // namespace sg
