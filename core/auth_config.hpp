#pragma once
// CVAT's auth_config.yml, read the way CVAT Enterprise reads it (SPEC section 4):
//   social_account: {enabled, github: {client_id, client_secret}, google: {...},
//                    amazon_cognito: {client_id, client_secret, domain}}
//   sso: {enabled, selection_mode: email_address|lowest_weight, enable_pkce,
//         identity_providers: [{id, protocol: OIDC|SAML, name, server_url, client_id, ...}]}
// SAML entries are skipped with a warning (not supported yet), never a start-up failure.
#include <optional>
#include <string>
#include <vector>

namespace sg {

struct sso_identity_provider {
  std::string id;
  std::string name;
  std::string server_url;  // the issuer; discovery at <server_url>/.well-known/openid-configuration
  std::string client_id;
  std::string client_secret;
  // Empty: not set in the file. CVAT then uses the first of client_secret_basic and
  // client_secret_post that discovery lists (basic when it lists neither).
  std::string token_auth_method;
  std::string email_domain;
  int weight = 10;  // CVAT's default
  std::string callback_url;  // derived from CVAT_BASE_URL
  bool trust_email = false;  // may a verified email from this IdP join an existing user (SPEC section 5)
  // Origins (scheme://host[:port]) besides the issuer's where this IdP's discovery may place
  // its endpoints (`endpoint_origins`).
  std::vector<std::string> endpoint_origins;
};

// One `social_account` block: its values win over the environment's for the same provider.
struct social_account_client {
  std::string client_id;
  std::string client_secret;
  std::string domain;  // amazon_cognito only: the hosted-UI base URL
};

struct auth_config_file {
  std::optional<bool> social_enabled;  // social_account.enabled, when the file says
  std::optional<social_account_client> github, google, amazon_cognito;
  bool sso_enabled = false;
  std::string selection_mode = "email_address";  // or lowest_weight
  bool enable_pkce = true;                       // `false` is accepted and logged; PKCE stays on
  std::vector<sso_identity_provider> idps;       // OIDC entries only
  std::vector<std::string> unsupported;          // "<id> (SAML)": skipped entries, for check-config
  std::vector<std::string> warnings;             // one line each: unknown keys, skipped entries
};

// Throws config_error (variable AUTH_CONFIG_PATH) naming the line and the key at fault.
auth_config_file read_auth_config(const std::string& path, const std::string& base_url, bool allow_insecure_http);

// The OIDC IdPs only (tests and fuzzers of the IdP list).
std::vector<sso_identity_provider> load_auth_config(const std::string& path, const std::string& base_url,
                                                    bool allow_insecure_http);

}  // namespace sg
