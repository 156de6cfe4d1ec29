#pragma once
// What every identity provider offers the rest of socialgate. Implementations are called from
// the provider's own worker actors and may block (network calls to the IdP).
#include <stdexcept>
#include <string>
#include <vector>

#include "core/identity.hpp"
#include "core/url.hpp"

namespace sg {

struct authorize_request {
  std::string state;
  std::string code_challenge;  // PKCE S256
  std::string nonce;           // OIDC only
  std::string redirect_uri;
  std::vector<std::string> extra_scopes;  // CVAT's `scope`, already checked against the allow-list
  query_params extra_params;              // CVAT's `auth_params`, already checked against the allow-list
};

struct code_exchange {
  std::string code;
  std::string code_verifier;
  std::string redirect_uri;
  std::string nonce;
};

struct provider_error : std::runtime_error {
  enum class kind {
    rejected,      // the IdP refused (bad code, denied): the user's login fails, 400
    bad_response,  // the IdP answered something we cannot use: 502
    unavailable,   // the IdP could not be reached in time: 503
  };
  provider_error(kind k, const std::string& message) : std::runtime_error(message), what_kind(k) {}
  kind what_kind;
};

class provider {
 public:
  virtual ~provider() = default;
  virtual std::string slug() const = 0;
  virtual std::string public_name() const = 0;
  virtual std::string icon_svg() const = 0;
  virtual std::string redirect_uri() const = 0;
  virtual std::string authorize_url(const authorize_request& request) = 0;
  // What CVAT's `scope` and `auth_params` may add to the authorize request.
  virtual std::vector<std::string> allowed_extra_scopes() const = 0;
  virtual std::vector<std::string> allowed_auth_params() const = 0;
  // OIDC: the issuer the authorization response's `iss` (RFC 9207) must equal, and whether the
  // IdP promised to always send it. Empty for OAuth-only providers such as GitHub.
  virtual std::string response_issuer() const { return ""; }
  virtual bool response_issuer_required() const { return false; }
  // False while the provider cannot work yet (e.g. OIDC discovery not loaded); /readyz shows it.
  virtual bool ready() const { return true; }
  virtual bool uses_nonce() const { return false; }
  // What a user first made through this provider is: "social" or "sso" (auth_config.yml).
  virtual std::string created_via() const { return "social"; }
  virtual external_identity fetch_identity(const code_exchange& exchange) = 0;
};

}  // namespace sg
