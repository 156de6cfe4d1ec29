#include "providers/oidc/oidc_provider.hpp"

#include <algorithm>

#include "core/bounded_json.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "providers/oidc/jwt.hpp"

namespace sg::oidc {
namespace {
using kind = provider_error::kind;
using json = nlohmann::json;

json parse_idp_json(const idp_response& response, const std::string& what) {
  if (response.status >= 500) throw provider_error(kind::unavailable, "the IdP answered " + std::to_string(response.status) + " for " + what);
  auto doc = parse_bounded_json(response.body);
  if (!doc || !doc->is_object())
    throw provider_error(kind::bad_response, "the IdP sent malformed, oversized or too deeply nested JSON for " + what);
  return std::move(*doc);
}
}  // namespace

external_identity identity_from_claims(const json& claims, const std::string& slug) {
  external_identity identity;
  identity.provider = slug;
  identity.subject = string_field(claims, "sub");
  identity.email = string_field(claims, "email");
  auto verified = claims.find("email_verified");
  identity.email_verified = verified != claims.end() &&
                            ((verified->is_boolean() && verified->get<bool>()) ||
                             (verified->is_string() && verified->get<std::string>() == "true"));
  identity.first_name = string_field(claims, "given_name");
  identity.last_name = string_field(claims, "family_name");
  if (identity.first_name.empty() && identity.last_name.empty()) {
    auto name = string_field(claims, "name");
    auto space = name.find(' ');
    identity.first_name = name.substr(0, space);
    identity.last_name = space == std::string::npos ? "" : name.substr(space + 1);
  }
  identity.preferred_username = string_field(claims, "preferred_username");
  if (identity.preferred_username.empty()) identity.preferred_username = string_field(claims, "cognito:username");
  return identity;
}

oidc_provider::oidc_provider(provider_descriptor descriptor, oidc_settings settings, http_client_settings http)
    : provider(std::move(descriptor)),
      settings_(std::move(settings)),
      endpoint_policy_{http.allow_insecure_http, settings_.endpoint_origins},
      http_(std::move(http)) {
  if (settings_.fixed) {
    endpoints_ = settings_.fixed;
    loaded_ = true;
  }
  if (!settings_.discovery_url.empty() || (settings_.verify_id_token && settings_.fixed))
    refresher_ = std::thread([this] { background_refresh(); });
}

oidc_provider::~oidc_provider() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

// Discovery (and the first JWKS) at start, retried until they work, then refreshed hourly.
// A failure leaves the provider not ready; it never stops the service.
void oidc_provider::background_refresh() {
  auto wait = std::chrono::seconds(0);
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stop_signal_.wait_for(lock, wait, [&] { return stopping_; })) return;
    }
    bool ok = refresh_discovery();
    if (ok && settings_.verify_id_token) {
      try {
        {
          std::lock_guard lock(mutex_);
          keys_.clear();  // scheduled refresh: fetch the set anew
        }
        keys(false);
      } catch (const std::exception& e) {
        ok = false;
      }
    }
    wait = ok ? std::chrono::seconds(3600) : std::chrono::seconds(2);
  }
}

bool oidc_provider::refresh_discovery() {
  if (settings_.discovery_url.empty()) return true;
  try {
    auto response = http_.get(settings_.discovery_url, {{"Accept", "application/json"}});
    if (response.status != 200)
      throw provider_error(kind::unavailable, "discovery answered " + std::to_string(response.status));
    auto parsed = parse_discovery(response.body, settings_.issuer, endpoint_policy_);
    std::lock_guard lock(mutex_);
    endpoints_ = parsed;
    loaded_ = true;
    return true;
  } catch (const std::exception& e) {
    log_event(log_level::warning, "oidc_discovery_failed", {{"provider", slug()}, {"reason", e.what()}});
    return false;
  }
}

endpoints oidc_provider::current_endpoints() const {
  std::lock_guard lock(mutex_);
  if (!endpoints_) throw provider_error(kind::unavailable, "the IdP's discovery document is not loaded yet");
  return *endpoints_;
}

void oidc_provider::check_response_issuer(const code_exchange& exchange, const endpoints& e) const {
  auto expected = e.issuer.empty() ? settings_.issuer : e.issuer;
  if (expected.empty()) return;
  if (exchange.has_response_iss && exchange.response_iss != expected)
    throw provider_error(kind::rejected, "the sign-in response names another issuer (iss)");
  if (!exchange.has_response_iss && e.iss_in_response)
    throw provider_error(kind::rejected, "the sign-in response lacks the issuer (iss) this provider always sends");
}

std::vector<jwk> oidc_provider::keys(bool force_refetch) {
  auto jwks_url = current_endpoints().jwks;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (!keys_.empty() && !force_refetch) return keys_;
    // An unknown kid, or a signature that fails under a known one, refetches the set, but at
    // most once every 10 s: a stream of forged tokens must not become a stream of requests to
    // the IdP.
    if (!keys_.empty() && now - last_forced_fetch_ < std::chrono::seconds(10)) return keys_;
    if (force_refetch) last_forced_fetch_ = now;
  }
  auto response = http_.get(jwks_url, {{"Accept", "application/json"}});
  if (response.status != 200) throw provider_error(kind::unavailable, "the IdP's JWKS answered " + std::to_string(response.status));
  std::vector<jwk> fetched;
  try {
    fetched = parse_jwks(response.body);
  } catch (const std::exception& e) {
    throw provider_error(kind::bad_response, e.what());
  }
  std::lock_guard lock(mutex_);
  keys_ = std::move(fetched);
  return keys_;
}

std::string oidc_provider::authorize_url(const authorize_request& request) const {
  auto e = current_endpoints();
  std::string scope;
  for (const auto& s : settings_.scopes) scope += (scope.empty() ? "" : " ") + s;
  for (const auto& s : request.extra_scopes)
    if (std::find(settings_.scopes.begin(), settings_.scopes.end(), s) == settings_.scopes.end()) scope += " " + s;
  query_params params = {{"response_type", "code"}, {"client_id", settings_.client_id},
                         {"redirect_uri", request.redirect_uri}, {"scope", scope},
                         {"state", request.state}, {"nonce", request.nonce}};
  // PKCE whenever the IdP supports it (or does not say: unknown parameters are ignored).
  if (e.pkce_methods.empty() || std::find(e.pkce_methods.begin(), e.pkce_methods.end(), "S256") != e.pkce_methods.end()) {
    params.emplace_back("code_challenge", request.code_challenge);
    params.emplace_back("code_challenge_method", "S256");
  }
  params.insert(params.end(), settings_.authorize_params.begin(), settings_.authorize_params.end());
  params.insert(params.end(), request.extra_params.begin(), request.extra_params.end());
  return e.authorization + (e.authorization.find('?') == std::string::npos ? "?" : "&") + build_query(params);
}

external_identity oidc_provider::fetch_identity(const code_exchange& exchange) {
  auto e = current_endpoints();
  check_response_issuer(exchange, e);  // before the code goes anywhere
  query_params form = {{"grant_type", "authorization_code"}, {"code", exchange.code},
                       {"redirect_uri", exchange.redirect_uri}, {"code_verifier", exchange.code_verifier}};
  idp_headers headers = {{"Accept", "application/json"}};
  if (token_auth_method_for(settings_.token_auth_method, e.token_auth_methods) == "client_secret_post") {
    form.emplace_back("client_id", settings_.client_id);
    form.emplace_back("client_secret", settings_.client_secret);
  } else {  // client_secret_basic (RFC 6749 2.3.1: form-encode id and secret first)
    headers.emplace("Authorization", "Basic " + base64_encode(url_encode(settings_.client_id) + ":" +
                                                              url_encode(settings_.client_secret)));
  }
  auto response = http_.post_form(e.token, form, headers);
  auto token = parse_idp_json(response, "the token request");
  if (auto error = string_field(token, "error"); !error.empty() || response.status != 200) {
    auto description = string_field(token, "error_description");
    throw provider_error(response.status >= 400 && response.status < 500 ? kind::rejected : kind::bad_response,
                         "the IdP refused the code: " + (error.empty() ? std::to_string(response.status) : error.substr(0, 64)) +
                             (description.empty() ? "" : " (" + description.substr(0, 200) + ")"));
  }
  auto access_token = string_field(token, "access_token");
  auto id_token = string_field(token, "id_token");

  json claims = json::object();
  if (settings_.verify_id_token) {
    if (id_token.empty()) throw provider_error(kind::bad_response, "the IdP sent no ID token");
    claim_expectations expected{e.issuer, settings_.client_id, exchange.nonce, unix_now(), 60};
    auto allowed = settings_.allowed_algs.empty() ? e.signing_algs : settings_.allowed_algs;
    try {
      bool unknown_kid = false, bad_signature = false;
      try {
        claims = verify_id_token(id_token, keys(false), allowed, expected, &unknown_kid, &bad_signature);
      } catch (const jwt_error&) {
        if (!unknown_kid && !bad_signature) throw;
        // The IdP may have rotated its keys, under a new kid or the same one: fetch the set
        // again (rate-limited) and retry once.
        claims = verify_id_token(id_token, keys(true), allowed, expected);
      }
    } catch (const jwt_error& err) {
      throw provider_error(kind::rejected, std::string("ID token rejected: ") + err.what());
    }
  }
  if (!e.userinfo.empty() && !access_token.empty()) {
    auto info_response = http_.get(e.userinfo, {{"Authorization", "Bearer " + access_token}, {"Accept", "application/json"}});
    if (info_response.status == 401 || info_response.status == 403)
      throw provider_error(kind::rejected, "the IdP refused the access token at UserInfo");
    auto info = parse_idp_json(info_response, "UserInfo");
    if (info_response.status != 200) throw provider_error(kind::bad_response, "UserInfo answered " + std::to_string(info_response.status));
    if (settings_.verify_id_token && string_field(info, "sub") != string_field(claims, "sub"))
      throw provider_error(kind::rejected, "UserInfo's sub differs from the ID token's");
    for (auto& [key, value] : info.items())
      if (!claims.contains(key)) claims[key] = value;
  }
  auto identity = identity_from_claims(claims, slug());
  if (identity.subject.empty()) throw provider_error(kind::bad_response, "the IdP named no subject (sub)");
  return identity;
}

}  // namespace sg::oidc
