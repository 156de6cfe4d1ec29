// What each CVAT UI generation reads to draw its sign-in buttons, all from the provider
// descriptors (never a secret), and the SSO IdP selection of CVAT 2.4's UI:
//   GET /api/server/advanced-auth       CVAT 2.3.0's UI (cvat-core/src/server-proxy.ts advancedAuthentication)
//   GET /api/auth/social                CVAT 2.4.x's UI (server-proxy.ts socialAuthentication), with `sso`
//   GET /api/auth/social/methods/       CVAT's development branch for six weeks in 2023 (kept, no `sso`)
//   GET /api/auth/oidc/select-idp/      CVAT 2.4.x's UI (server-proxy.ts selectSSOIdentityProvider)
// auth_config.yml's SAML entries never reach the descriptors, so they appear in none of these.
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "gateway/gateway.hpp"
#include "gateway/provider_icons.hpp"
#include "gateway/responses.hpp"

namespace sg {
namespace {
const provider_descriptor* find(const std::vector<provider_descriptor>& providers, const std::string& slug) {
  for (const auto& p : providers)
    if (p.slug == slug) return &p;
  return nullptr;
}

// The three social providers in CVAT's order (ordered_json keeps it); a disabled one has
// `"icon": null`, as CVAT answers.
nlohmann::ordered_json social_entries(const service_config& config, const std::vector<provider_descriptor>& providers) {
  nlohmann::ordered_json listing = nlohmann::ordered_json::object();
  if (!config.social_enabled) return listing;
  for (const auto& method : social_methods()) {
    auto enabled = find(providers, method.slug);
    nlohmann::ordered_json icon = nullptr;
    if (enabled) icon = !enabled->icon_svg.empty() ? enabled->icon_svg : method.icon;
    listing[method.slug] = {{"is_enabled", enabled != nullptr}, {"icon", icon}, {"public_name", method.public_name}};
  }
  return listing;
}

bool any_sso_provider(const std::vector<provider_descriptor>& providers) {
  for (const auto& p : providers)
    if (p.created_via == "sso") return true;
  return false;
}

std::string issuer_key(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}
}  // namespace

task<void> gateway::methods(http_request&, http_response& res) {
  send_json(res, 200, social_entries(deps_.config, deps_.providers).dump());
  co_return;
}

// CVAT 2.4's login page (cvat-ui/src/components/login-page/login-page.tsx) shows "Continue with
// SSO" for the `sso` entry, and login-with-sso.tsx reads its `selection_schema`
// (cvat-core/src/auth-methods.ts: email_address | lowest_weight).
task<void> gateway::social_listing(http_request&, http_response& res) {
  auto listing = social_entries(deps_.config, deps_.providers);
  if (deps_.config.sso_enabled && any_sso_provider(deps_.providers))
    listing["sso"] = {{"is_enabled", true},
                      {"icon", nullptr},
                      {"public_name", "SSO"},
                      {"selection_schema", deps_.config.sso_selection_mode}};
  send_json(res, 200, listing.dump());
  co_return;
}

// CVAT 2.3.0's shape (cvat/apps/engine/views.py advanced_authentication): booleans only.
task<void> gateway::advanced_auth(http_request&, http_response& res) {
  bool social = deps_.config.social_enabled;
  nlohmann::ordered_json body = {
      {"GOOGLE_ACCOUNT_AUTHENTICATION", social && find(deps_.providers, "google") != nullptr},
      {"GITHUB_ACCOUNT_AUTHENTICATION", social && find(deps_.providers, "github") != nullptr}};
  send_json(res, 200, body.dump());
  co_return;
}

// The IdP of auth_config.yml to sign in with, as a plain JSON string (the UI opens
// /api/auth/oidc/<answer>/login/): by `email` (matching email_domain), by `iss` (the IdP's
// server_url), or in lowest_weight mode with neither; the lowest weight wins among matches.
task<void> gateway::select_idp(http_request& req, http_response& res) {
  auto email = req.get_param_value("email");
  auto iss = req.get_param_value("iss");
  std::string domain;
  if (!email.empty()) {
    auto at = email.rfind('@');
    if (email.size() > 320 || at == std::string::npos || at + 1 >= email.size())
      co_return send_error(req, res, 400, "'email' is not an email address: give ?email=user@example.com");
    domain = lower_ascii(email.substr(at + 1));
  }
  if (iss.size() > 2048) co_return send_error(req, res, 400, "'iss' is too long.");
  bool lowest_weight = deps_.config.sso_selection_mode == "lowest_weight";
  if (email.empty() && iss.empty() && !lowest_weight)
    co_return send_error(req, res, 400, "Give ?email=user@example.com or ?iss=<issuer URL>.");
  const sso_identity_provider* best = nullptr;
  if (deps_.config.sso_enabled) {
    for (const auto& idp : deps_.config.sso_providers) {
      if (!email.empty() && lower_ascii(idp.email_domain) != domain) continue;
      if (!iss.empty() && issuer_key(idp.server_url) != issuer_key(iss)) continue;
      if (!best || idp.weight < best->weight) best = &idp;
    }
  }
  if (!best) {
    log_event(log_level::info, "select_idp_no_match", {{"by", !email.empty() ? "email" : !iss.empty() ? "iss" : "weight"}});
    co_return send_error(req, res, 404, "No identity provider matches.");
  }
  send_json(res, 200, nlohmann::json(best->id).dump());
}

}  // namespace sg
