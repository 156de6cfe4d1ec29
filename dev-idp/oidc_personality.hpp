#pragma once
// OpenID Connect as Google, Cognito's hosted UI or a generic IdP speak it, under a path prefix:
//   standard layout  <prefix>/.well-known/openid-configuration, /authorize, /token, /userinfo, /jwks
//   cognito layout   <prefix>/oauth2/authorize, /oauth2/token, /oauth2/userInfo, /.well-known/jwks.json
// The issuer is <base URL><prefix>. For tests it rotates keys on demand and misbehaves on
// purpose: POST <prefix>/_dev/rotate-keys[?same_kid=1] (a new key under a new kid, or under the
// same kid), POST <prefix>/_dev/misbehave?mode=<mode> with mode one of bad-signature,
// other-audience, expired, wrong-nonce, alg-none, hmac, unknown-kid, sub-mismatch, no-iss,
// wrong-iss, or for the discovery document foreign-endpoints (the token endpoint on another
// origin of this same server: localhost instead of 127.0.0.1) and javascript-endpoint (a
// javascript: authorization endpoint) (empty: behave).
#include <httplib.h>

#include <memory>
#include <string>

#include "dev-idp/idp_state.hpp"

namespace sg::dev {

struct oidc_options {
  std::string prefix;           // "/google"
  bool cognito_layout = false;  // Cognito's hosted-UI paths and string email_verified
  std::string alg = "RS256";    // RS256, PS256 or ES256
};

void install_oidc_personality(httplib::Server& server, idp_state& state, oidc_options options);

}  // namespace sg::dev
