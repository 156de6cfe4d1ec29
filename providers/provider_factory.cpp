#include "providers/provider_factory.hpp"

#include "providers/github_provider.hpp"
#include "providers/oidc/oidc_provider.hpp"

namespace sg {

// Icons of the OIDC providers (GitHub's is in its provider).
namespace {
const char* key_icon =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="#555" d="M7 14a3 3 0 1 1 0-6 3 3 0 0 1 0 6zm5.6-4A6 6 0 1 0 12.6 14H16v3h3v-3h2v-4z"/></svg>)";
// What every OIDC provider is told: who it is, its client, where the browser comes back.
oidc::oidc_settings client_settings(std::string slug, std::string public_name, std::string client_id,
                                    std::string client_secret, std::string callback_url, std::string issuer) {
  oidc::oidc_settings settings;
  settings.slug = std::move(slug);
  settings.public_name = std::move(public_name);
  settings.client_id = std::move(client_id);
  settings.client_secret = std::move(client_secret);
  settings.callback_url = std::move(callback_url);
  settings.issuer = std::move(issuer);
  return settings;
}
}  // namespace

std::vector<std::shared_ptr<provider>> make_providers(const service_config& config) {
  http_client_settings http;
  http.ca_file = config.ca_file;
  http.allow_insecure_http = config.allow_insecure_http;
  http.read_timeout_seconds = config.idp_timeout_seconds;
  http.connect_timeout_seconds = std::min(config.idp_timeout_seconds, 5);
  std::vector<std::shared_ptr<provider>> providers;
  if (config.social_enabled && config.github)
    providers.push_back(std::make_shared<github_provider>(*config.github, http));
  if (config.social_enabled && config.google) {
    auto google = client_settings("google", "Google", config.google->client_id, config.google->client_secret,
                                  config.google->callback_url, config.google->issuer);
    google.discovery_url = config.google->issuer + "/.well-known/openid-configuration";
    google.authorize_params = {{"access_type", "online"}};
    google.auth_params_allowed = {"prompt", "login_hint", "hd"};
    providers.push_back(std::make_shared<oidc::oidc_provider>(google, http));
  }
  if (config.social_enabled && config.cognito) {
    auto cognito = client_settings("amazon-cognito", "Amazon Cognito", config.cognito->client_id,
                                   config.cognito->client_secret, config.cognito->callback_url, config.cognito->issuer);
    // The hosted UI's endpoints come from the domain; the user pool's keys from the issuer.
    oidc::endpoints fixed;
    fixed.issuer = config.cognito->issuer;
    fixed.authorization = config.cognito->domain + "/oauth2/authorize";
    fixed.token = config.cognito->domain + "/oauth2/token";
    fixed.userinfo = config.cognito->domain + "/oauth2/userInfo";
    fixed.jwks = config.cognito->issuer.empty() ? "" : config.cognito->issuer + "/.well-known/jwks.json";
    fixed.signing_algs = {"RS256"};
    fixed.pkce_methods = {"S256"};
    cognito.fixed = fixed;
    cognito.verify_id_token = !config.cognito->issuer.empty();
    cognito.auth_params_allowed = {"identity_provider", "idp_identifier", "lang"};
    providers.push_back(std::make_shared<oidc::oidc_provider>(cognito, http));
  }
  for (const auto& idp : config.sso_providers) {
    auto sso = client_settings("oidc/" + idp.id, idp.name, idp.client_id, idp.client_secret, idp.callback_url, "");
    sso.token_auth_method = idp.token_auth_method;
    std::string base = idp.server_url;
    const std::string well_known = "/.well-known/openid-configuration";
    if (base.size() > well_known.size() && base.compare(base.size() - well_known.size(), well_known.size(), well_known) == 0)
      base.erase(base.size() - well_known.size());
    sso.issuer = base;
    while (!base.empty() && base.back() == '/') base.pop_back();
    sso.discovery_url = base + well_known;
    sso.created_via = "sso";
    sso.icon = key_icon;
    providers.push_back(std::make_shared<oidc::oidc_provider>(sso, http));
  }
  return providers;
}

}  // namespace sg
