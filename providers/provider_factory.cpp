#include "providers/provider_factory.hpp"

#include "providers/github_provider.hpp"
#include "providers/oidc/oidc_provider.hpp"

namespace sg {

// Icons of the OIDC providers (GitHub's is in its provider).
namespace {
const char* key_icon =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path fill="#555" d="M7 14a3 3 0 1 1 0-6 3 3 0 0 1 0 6zm5.6-4A6 6 0 1 0 12.6 14H16v3h3v-3h2v-4z"/></svg>)";
// What every OIDC provider is told: its client and where its issuer is.
oidc::oidc_settings client_settings(std::string client_id, std::string client_secret, std::string issuer) {
  oidc::oidc_settings settings;
  settings.client_id = std::move(client_id);
  settings.client_secret = std::move(client_secret);
  settings.issuer = std::move(issuer);
  return settings;
}

provider_descriptor oidc_descriptor(std::string slug, std::string public_name, std::string redirect_uri,
                                    std::vector<std::string> auth_params_allowed, bool trust_email) {
  provider_descriptor d;
  d.slug = std::move(slug);
  d.public_name = std::move(public_name);
  d.redirect_uri = std::move(redirect_uri);
  d.allowed_auth_params = std::move(auth_params_allowed);
  d.uses_nonce = true;
  d.trust_email = trust_email;
  return d;
}
}  // namespace

std::vector<std::shared_ptr<provider>> make_providers(const service_config& config) {
  http_client_settings http;
  http.ca_file = config.ca_file;
  http.allow_insecure_http = config.allow_insecure_http;
  http.read_timeout_seconds = config.idp_timeout_seconds;
  http.connect_timeout_seconds = std::min(config.idp_timeout_seconds, 5);
  std::vector<std::shared_ptr<provider>> providers;
  if (config.social_enabled && config.github) {
    provider_descriptor d;
    d.slug = "github";
    d.public_name = "GitHub";
    d.icon_svg = github_icon_svg();
    d.redirect_uri = config.github->callback_url;
    d.allowed_extra_scopes = {"read:user", "user:email", "read:org"};
    d.allowed_auth_params = {"login", "allow_signup", "prompt"};  // GitHub's documented extras
    d.trust_email = true;  // only addresses GitHub lists as verified are used (SPEC section 4)
    providers.push_back(std::make_shared<github_provider>(std::move(d), *config.github, http));
  }
  if (config.social_enabled && config.google) {
    auto google = client_settings(config.google->client_id, config.google->client_secret, config.google->issuer);
    google.discovery_url = config.google->issuer + "/.well-known/openid-configuration";
    google.authorize_params = {{"access_type", "online"}};
    google.endpoint_origins = oidc::google_endpoint_origins();  // Google's token and JWKS hosts differ from its issuer's
    auto descriptor = oidc_descriptor("google", "Google", config.google->callback_url, {"prompt", "login_hint", "hd"},
                                      /*trust_email=*/true);
    providers.push_back(std::make_shared<oidc::oidc_provider>(std::move(descriptor), google, http));
  }
  if (config.social_enabled && config.cognito) {
    auto cognito = client_settings(config.cognito->client_id, config.cognito->client_secret, config.cognito->issuer);
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
    auto descriptor = oidc_descriptor("amazon-cognito", "Amazon Cognito", config.cognito->callback_url,
                                      {"identity_provider", "idp_identifier", "lang"}, config.cognito->trust_email);
    providers.push_back(std::make_shared<oidc::oidc_provider>(std::move(descriptor), cognito, http));
  }
  for (const auto& idp : config.sso_providers) {
    auto sso = client_settings(idp.client_id, idp.client_secret, "");
    // Unset in the file: basic, which is what CVAT picks when discovery lists both methods or
    // neither (choosing from discovery's list needs the OIDC provider; see the README).
    sso.token_auth_method = idp.token_auth_method;  // empty: the first that discovery offers
    std::string base = idp.server_url;
    const std::string well_known = "/.well-known/openid-configuration";
    if (base.size() > well_known.size() && base.compare(base.size() - well_known.size(), well_known.size(), well_known) == 0)
      base.erase(base.size() - well_known.size());
    sso.issuer = base;
    while (!base.empty() && base.back() == '/') base.pop_back();
    sso.discovery_url = base + well_known;
    sso.endpoint_origins = idp.endpoint_origins;
    auto descriptor = oidc_descriptor("oidc/" + idp.id, idp.name, idp.callback_url,
                                      {"prompt", "login_hint", "max_age", "ui_locales", "hd"}, idp.trust_email);
    descriptor.created_via = "sso";
    descriptor.icon_svg = key_icon;
    providers.push_back(std::make_shared<oidc::oidc_provider>(std::move(descriptor), sso, http));
  }
  return providers;
}

}  // namespace sg
