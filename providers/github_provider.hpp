#pragma once
// GitHub: OAuth 2.0 (no OIDC), SPEC section 4. Works with GitHub Enterprise through the
// configurable web and API base URLs.
#include "core/config.hpp"
#include "providers/http_client.hpp"
#include "providers/provider.hpp"

namespace sg {

class github_provider : public provider {
 public:
  github_provider(provider_descriptor descriptor, github_config config, http_client_settings http);
  std::string authorize_url(const authorize_request& request) const override;
  external_identity fetch_identity(const code_exchange& exchange) override;

 private:
  std::string exchange_code(const code_exchange& exchange) const;
  idp_headers api_headers(const std::string& token) const;

  github_config config_;
  http_client http_;
};

std::string github_icon_svg();

// Parsing of GitHub's answers, separate so that it can be tested and fuzzed without a network.
std::string parse_github_token_response(const idp_response& response);
external_identity parse_github_user(const std::string& body);
// The primary verified address, else the first verified one, else "" (never an unverified one).
std::string pick_github_email(const std::string& body);

}  // namespace sg
