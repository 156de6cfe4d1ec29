#pragma once
// An OpenID Connect relying party: Google, Amazon Cognito and any IdP of auth_config.yml.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "providers/http_client.hpp"
#include "providers/oidc/discovery.hpp"
#include "providers/oidc/jwk.hpp"
#include "providers/provider.hpp"

namespace sg::oidc {

// How to talk to the IdP (what the gateway may know is in the provider_descriptor).
struct oidc_settings {
  std::string client_id;
  std::string client_secret;
  std::string token_auth_method;  // client_secret_basic or client_secret_post; empty: as discovery offers
  std::string issuer;         // expected `iss`
  std::string discovery_url;  // empty: fixed endpoints below
  std::optional<endpoints> fixed;  // Cognito: hosted-UI endpoints derived from the domain
  bool verify_id_token = true;
  std::vector<std::string> scopes = {"openid", "email", "profile"};
  query_params authorize_params;  // e.g. Google's access_type=online
  std::vector<std::string> allowed_algs;  // empty: every supported algorithm the IdP announces
  // Origins besides the issuer's where the discovery document may place endpoints (Google's
  // documented hosts; `endpoint_origins` of an auth_config.yml IdP).
  std::vector<std::string> endpoint_origins;
};

class oidc_provider : public provider {
 public:
  oidc_provider(provider_descriptor descriptor, oidc_settings settings, http_client_settings http);
  ~oidc_provider() override;

  std::string authorize_url(const authorize_request& request) const override;
  external_identity fetch_identity(const code_exchange& exchange) override;
  bool ready() const override { return loaded_.load(); }

 private:
  // RFC 9207: the authorization response's `iss` must be the issuer, and present when the
  // discovery document promised it (authorization_response_iss_parameter_supported).
  void check_response_issuer(const code_exchange& exchange, const endpoints& e) const;
  endpoints current_endpoints() const;  // throws provider_error(unavailable) when not loaded
  bool refresh_discovery();
  std::vector<jwk> keys(bool force_refetch);
  void background_refresh();

  oidc_settings settings_;
  endpoint_policy endpoint_policy_;
  http_client http_;
  mutable std::mutex mutex_;
  std::optional<endpoints> endpoints_;
  std::vector<jwk> keys_;
  std::chrono::steady_clock::time_point last_forced_fetch_{};  // refetch for an unknown kid or a stale key
  std::atomic<bool> loaded_{false};
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread refresher_;
};

// Parsing of IdP documents, separate so that tests and fuzzers can reach them (discovery
// documents: providers/oidc/discovery.hpp).
// `email_verified` may be a boolean or the string "true"/"false" (Cognito).
external_identity identity_from_claims(const nlohmann::json& claims, const std::string& slug);

}  // namespace sg::oidc
