#pragma once
// What the rest of socialgate may know about a provider without calling it: built once by the
// provider factory from configuration and never changed afterwards, so the gateway reads
// display data and flags from plain values instead of a live provider object.
#include <string>
#include <vector>

namespace sg {

struct provider_descriptor {
  std::string slug;         // "github", "google", "amazon-cognito", "oidc/<id>"
  std::string public_name;  // "GitHub", or an auth_config.yml IdP's `name`
  std::string icon_svg;     // empty: the gateway's built-in icon for the slug
  std::string redirect_uri; // the exact redirect_uri registered at the IdP
  // What CVAT's `scope` and `auth_params` may add to the authorize request.
  std::vector<std::string> allowed_extra_scopes;
  std::vector<std::string> allowed_auth_params;
  bool uses_nonce = false;              // OIDC
  std::string created_via = "social";   // what a user first made through it is: "social" or "sso"
  // SPEC section 5: the IdP is trusted to assert email addresses, so a verified address from it
  // may join an existing user. GitHub and Google are; Cognito and auth_config.yml IdPs only when
  // configured (`SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL`, `trust_email`).
  bool trust_email = false;
};

}  // namespace sg
