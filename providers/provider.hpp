#pragma once
// What every identity provider offers the rest of socialgate. fetch_identity is called from the
// provider's own worker actors and may block (network calls to the IdP); authorize_url may not.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/identity.hpp"
#include "core/url.hpp"
#include "providers/provider_descriptor.hpp"

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
  // The authorization response's `iss` (RFC 9207), when it had one. OIDC providers check it
  // against the issuer (and its absence when discovery promised it); others ignore it.
  bool has_response_iss = false;
  std::string response_iss;
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
  explicit provider(provider_descriptor descriptor) : descriptor_(std::move(descriptor)) {}
  virtual ~provider() = default;
  const provider_descriptor& descriptor() const { return descriptor_; }
  const std::string& slug() const { return descriptor_.slug; }
  // Called on the gateway's loop thread, any number at once: builds a string from the
  // configuration and discovered endpoints; never blocks, never does network I/O.
  virtual std::string authorize_url(const authorize_request& request) const = 0;
  // False while the provider cannot work yet (e.g. OIDC discovery not loaded); /readyz shows it.
  virtual bool ready() const { return true; }
  virtual external_identity fetch_identity(const code_exchange& exchange) = 0;

 private:
  const provider_descriptor descriptor_;
};

}  // namespace sg
