#include "loadtest/idp_user.hpp"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/url.hpp"

namespace sg::load {
namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::string origin_of(const std::string& url) {
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

std::string query_value(const std::string& url, const std::string& name) {
  auto q = url.find('?');
  if (q == std::string::npos) return "";
  auto params = parse_form(url.substr(q + 1));
  return params ? find_param(*params, name).value_or("") : "";
}

std::string access_token_in(const httplib::Result& result) {
  if (!result || result->status != 200) return "";
  auto doc = nlohmann::json::parse(result->body, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string()) return "";
  return doc["access_token"].get<std::string>();
}

// "step:status" or "step:network", built by appending (GCC 12 at -O3 warns falsely on
// `":" + std::to_string(...)`, its bug 105329).
std::string failure_kind(std::string step, const httplib::Result& result) {
  step += ':';
  step += result ? std::to_string(result->status) : std::string("network");
  return step;
}

// What socialgate's outbound client sends on every IdP request.
const char* const user_agent = "socialgate-loadtest/1.0";

}  // namespace

idp_user::idp_user(int index, const idp_options& options, recorder& results)
    : index_(index), options_(options), results_(results) {
  auto origin = origin_of(options_.base_url);
  path_prefix_ = options_.base_url.substr(origin.size());
  client_ = std::make_unique<httplib::Client>(origin);
  client_->set_keep_alive(true);
  client_->set_connection_timeout(5, 0);
  client_->set_read_timeout(30, 0);
  client_->set_follow_location(false);
  client_->set_tcp_nodelay(true);
}

idp_user::~idp_user() = default;

bool idp_user::run_once(int iteration) {
  auto started = std::chrono::steady_clock::now();
  // Distinct names, so that the IdP creates a user each time, as in the socialgate run.
  auto login = options_.user_prefix + "-" + std::to_string(index_) + "-" + std::to_string(iteration);
  bool ok = options_.protocol == idp_protocol::github ? github_login(login) : oidc_login(login);
  if (ok) results_.login(ms_since(started));
  return ok;
}

std::string idp_user::authorize(const std::string& path, const std::string& query) {
  auto result = client_->Get((path_prefix_ + path + "?" + query).c_str(), {{"User-Agent", user_agent}});
  if (!result || result->status != 302) {
    results_.failure(failure_kind("idp", result));
    return "";
  }
  auto code = query_value(result->get_header_value("Location"), "code");
  if (code.empty()) results_.failure("idp:no-code");
  return code;
}

bool idp_user::github_login(const std::string& login) {
  auto verifier = random_token(32);
  auto code = authorize("/login/oauth/authorize",
                        build_query({{"response_type", "code"},
                                     {"client_id", options_.client_id},
                                     {"redirect_uri", options_.redirect_uri},
                                     {"scope", "read:user user:email"},
                                     {"state", random_token(32)},
                                     {"code_challenge", pkce_s256_challenge(verifier)},
                                     {"code_challenge_method", "S256"},
                                     {"dev_login", login}}));
  if (code.empty()) return false;
  auto token = access_token_in(client_->Post((path_prefix_ + "/login/oauth/access_token").c_str(),
                                             {{"Accept", "application/json"}, {"User-Agent", user_agent}},
                                             build_query({{"client_id", options_.client_id},
                                                          {"client_secret", options_.client_secret},
                                                          {"code", code},
                                                          {"redirect_uri", options_.redirect_uri},
                                                          {"code_verifier", verifier}}),
                                             "application/x-www-form-urlencoded"));
  if (token.empty()) {
    results_.failure("token");
    return false;
  }
  httplib::Headers api = {{"Authorization", "Bearer " + token},
                          {"Accept", "application/vnd.github+json"},
                          {"X-GitHub-Api-Version", "2022-11-28"},
                          {"User-Agent", user_agent}};
  for (const char* path : {"/user", "/user/emails"}) {
    auto result = client_->Get((path_prefix_ + path).c_str(), api);
    if (!result || result->status != 200) {
      results_.failure(failure_kind(path + 1, result));
      return false;
    }
  }
  return true;
}

bool idp_user::oidc_login(const std::string& login) {
  auto verifier = random_token(32);
  auto code = authorize("/authorize", build_query({{"response_type", "code"},
                                                   {"client_id", options_.client_id},
                                                   {"redirect_uri", options_.redirect_uri},
                                                   {"scope", "openid email profile"},
                                                   {"state", random_token(32)},
                                                   {"nonce", random_token(32)},
                                                   {"code_challenge", pkce_s256_challenge(verifier)},
                                                   {"code_challenge_method", "S256"},
                                                   {"dev_login", login}}));
  if (code.empty()) return false;
  // client_secret_post, as the benchmark's auth_config.yml IdP is configured.
  auto token = access_token_in(client_->Post((path_prefix_ + "/token").c_str(),
                                             {{"Accept", "application/json"}, {"User-Agent", user_agent}},
                                             build_query({{"grant_type", "authorization_code"},
                                                          {"code", code},
                                                          {"redirect_uri", options_.redirect_uri},
                                                          {"code_verifier", verifier},
                                                          {"client_id", options_.client_id},
                                                          {"client_secret", options_.client_secret}}),
                                             "application/x-www-form-urlencoded"));
  if (token.empty()) {
    results_.failure("token");
    return false;
  }
  auto info = client_->Get((path_prefix_ + "/userinfo").c_str(), {{"Authorization", "Bearer " + token},
                                                                  {"Accept", "application/json"},
                                                                  {"User-Agent", user_agent}});
  if (!info || info->status != 200) {
    results_.failure(failure_kind("userinfo", info));
    return false;
  }
  return true;
}

}  // namespace sg::load
