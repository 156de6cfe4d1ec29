#include "providers/github_provider.hpp"

#include <nlohmann/json.hpp>

#include "core/bounded_json.hpp"

namespace sg {
namespace {
using json = nlohmann::json;
using kind = provider_error::kind;

json parse_json(const std::string& body, const char* what) {
  auto doc = parse_bounded_json(body);
  if (!doc) throw provider_error(kind::bad_response, std::string("GitHub sent malformed, oversized or too deeply nested JSON for ") + what);
  return std::move(*doc);
}

// Only a JSON `true` counts: "true" (a string) or a missing field is not a verification.
bool is_true(const json& doc, const char* name) {
  auto it = doc.find(name);
  return it != doc.end() && it->is_boolean() && it->get<bool>();
}

void check_status(const idp_response& response, const char* what) {
  if (response.status >= 500)
    throw provider_error(kind::unavailable, std::string("GitHub answered ") + std::to_string(response.status) + " for " + what);
  if (response.status == 401 || response.status == 403)
    throw provider_error(kind::rejected, std::string("GitHub refused the access token for ") + what);
  if (response.status != 200)
    throw provider_error(kind::bad_response, std::string("GitHub answered ") + std::to_string(response.status) + " for " + what);
}
}  // namespace

github_provider::github_provider(provider_descriptor descriptor, github_config config, http_client_settings http)
    : provider(std::move(descriptor)), config_(std::move(config)), http_(std::move(http)) {}

std::string github_icon_svg() {
  return R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="20" height="20" aria-hidden="true"><path d="M8 0C3.58 0 0 3.58 0 8c0 3.54 2.29 6.53 5.47 7.59.4.07.55-.17.55-.38 0-.19-.01-.82-.01-1.49-2.01.37-2.53-.49-2.69-.94-.09-.23-.48-.94-.82-1.13-.28-.15-.68-.52-.01-.53.63-.01 1.08.58 1.23.82.72 1.21 1.87.87 2.33.66.07-.52.28-.87.51-1.07-1.78-.2-3.64-.89-3.64-3.95 0-.87.31-1.59.82-2.15-.08-.2-.36-1.02.08-2.12 0 0 .67-.21 2.2.82.64-.18 1.32-.27 2-.27.68 0 1.36.09 2 .27 1.53-1.04 2.2-.82 2.2-.82.44 1.1.16 1.92.08 2.12.51.56.82 1.27.82 2.15 0 3.07-1.87 3.75-3.65 3.95.29.25.54.73.54 1.48 0 1.07-.01 1.93-.01 2.2 0 .21.15.46.55.38A8.013 8.013 0 0016 8c0-4.42-3.58-8-8-8z"/></svg>)";
}

std::string github_provider::authorize_url(const authorize_request& request) const {
  std::string scope = "read:user user:email";
  for (const auto& extra : request.extra_scopes)
    if (extra != "read:user" && extra != "user:email") scope += " " + extra;
  query_params params = {{"response_type", "code"},
                         {"client_id", config_.client_id},
                         {"redirect_uri", request.redirect_uri},
                         {"scope", scope},
                         {"state", request.state},
                         {"code_challenge", request.code_challenge},
                         {"code_challenge_method", "S256"}};
  params.insert(params.end(), request.extra_params.begin(), request.extra_params.end());
  return config_.web_url + "/login/oauth/authorize?" + build_query(params);
}

std::string parse_github_token_response(const idp_response& response) {
  check_status(response, "the token request");
  auto doc = parse_json(response.body, "the token request");
  if (!doc.is_object()) throw provider_error(kind::bad_response, "GitHub's token answer is not a JSON object");
  // GitHub reports errors with HTTP 200 and an `error` field.
  if (auto error = string_field(doc, "error"); !error.empty()) {
    auto description = string_field(doc, "error_description");
    throw provider_error(kind::rejected, "GitHub refused the code: " + error + (description.empty() ? "" : " (" + description + ")"));
  }
  auto token = string_field(doc, "access_token");
  if (token.empty()) throw provider_error(kind::bad_response, "GitHub's token answer has no access_token");
  return token;
}

external_identity parse_github_user(const std::string& body) {
  auto doc = parse_json(body, "/user");
  if (!doc.is_object()) throw provider_error(kind::bad_response, "GitHub's /user answer is not a JSON object");
  auto id = doc.find("id");
  if (id == doc.end() || !id->is_number_integer() || id->get<long long>() <= 0)
    throw provider_error(kind::bad_response, "GitHub's /user answer has no numeric id");
  external_identity identity;
  identity.provider = "github";
  identity.subject = std::to_string(id->get<long long>());
  identity.preferred_username = string_field(doc, "login");
  auto name = string_field(doc, "name");
  auto space = name.find(' ');
  identity.first_name = name.substr(0, space);
  identity.last_name = space == std::string::npos ? "" : name.substr(space + 1);
  return identity;
}

std::string pick_github_email(const std::string& body) {
  auto doc = parse_json(body, "/user/emails");
  if (!doc.is_array()) throw provider_error(kind::bad_response, "GitHub's /user/emails answer is not a list");
  std::string first_verified;
  for (const auto& entry : doc) {
    if (!entry.is_object()) continue;
    auto email = string_field(entry, "email");
    bool verified = is_true(entry, "verified");
    bool primary = is_true(entry, "primary");
    if (email.empty() || !verified) continue;
    if (primary) return email;
    if (first_verified.empty()) first_verified = email;
  }
  return first_verified;
}

std::string github_provider::exchange_code(const code_exchange& exchange) const {
  auto response = http_.post_form(config_.web_url + "/login/oauth/access_token",
                                  {{"client_id", config_.client_id},
                                   {"client_secret", config_.client_secret},
                                   {"code", exchange.code},
                                   {"redirect_uri", exchange.redirect_uri},
                                   {"code_verifier", exchange.code_verifier}},
                                  {{"Accept", "application/json"}});
  return parse_github_token_response(response);
}

idp_headers github_provider::api_headers(const std::string& token) const {
  return {{"Authorization", "Bearer " + token},
          {"Accept", "application/vnd.github+json"},
          {"X-GitHub-Api-Version", "2022-11-28"}};
}

external_identity github_provider::fetch_identity(const code_exchange& exchange) {
  auto token = exchange_code(exchange);
  auto user_response = http_.get(config_.api_url + "/user", api_headers(token));
  check_status(user_response, "/user");
  auto identity = parse_github_user(user_response.body);
  auto emails_response = http_.get(config_.api_url + "/user/emails", api_headers(token));
  check_status(emails_response, "/user/emails");
  identity.email = pick_github_email(emails_response.body);
  identity.email_verified = !identity.email.empty();  // only verified addresses are ever picked
  return identity;
}

}  // namespace sg
