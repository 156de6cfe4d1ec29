#include "support/deployment.hpp"

#include <httplib.h>

#include <fstream>
#include <stdexcept>

#include "core/url.hpp"
#include "support/wait.hpp"

namespace sg::test {

std::string query_value(const std::string& url, const std::string& name) {
  auto q = url.find('?');
  if (q == std::string::npos) return "";
  auto params = parse_form(url.substr(q + 1));
  if (!params) return "";
  return find_param(*params, name).value_or("");
}

deployment::deployment(deployment_options options) : options_(std::move(options)) {
  redis_ = std::make_unique<redis_server>(scratch_.path(), options_.redis_persistence);
  std::vector<std::string> idp_argv = {SG_DEV_IDP_BIN, "--listen", "127.0.0.1:0", "--threads",
                                       std::to_string(options_.idp_threads), "--client",
                                       "test-client:test-secret:" + options_.site + "/"};
  if (!options_.idp_users_json.empty()) {
    auto path = scratch_.path() + "/idp-users.json";
    std::ofstream(path) << options_.idp_users_json;
    idp_argv.push_back("--users");
    idp_argv.push_back(path);
  }
  idp_ = std::make_unique<child_process>(idp_argv, std::map<std::string, std::string>{}, scratch_.path() + "/idp.log");
  auto port = idp_->wait_for_listening_port();
  if (!port) throw std::runtime_error("dev IdP did not start:\n" + idp_->log());
  idp_url_ = "http://127.0.0.1:" + std::to_string(*port);
  for (int i = 0; i < options_.replicas; ++i) start_replica();
}

deployment::~deployment() = default;

std::map<std::string, std::string> deployment::socialgate_env() const {
  std::map<std::string, std::string> env = {
      {"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"},
      {"CVAT_BASE_URL", options_.site},
      {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "test-client"},
      {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "test-secret"},
      {"SOCIAL_AUTH_GITHUB_URL", idp_url_},
      {"SOCIAL_AUTH_ALLOW_INSECURE_HTTP", "True"},
      {"SOCIALGATE_LISTEN", "127.0.0.1:0"},
      {"SOCIALGATE_PROVIDER_WORKERS", "4"},
      {"SOCIALGATE_IDP_TIMEOUT_SECONDS", "5"},
      {"REDIS_URL", redis_->url()},
  };
  if (options_.oidc) {
    env["SOCIAL_AUTH_GOOGLE_CLIENT_ID"] = "test-client";
    env["SOCIAL_AUTH_GOOGLE_CLIENT_SECRET"] = "test-secret";
    env["SOCIAL_AUTH_GOOGLE_ISSUER"] = idp_url_ + "/google";
    env["SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN"] = idp_url_ + "/cognito";
    env["SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID"] = "test-client";
    env["SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET"] = "test-secret";
    env["SOCIAL_AUTH_AMAZON_COGNITO_ISSUER"] = idp_url_ + "/cognito";
    auto path = scratch_.path() + "/auth_config.yml";
    std::string trust = options_.sso_trust_email ? "      trust_email: true\n" : "";
    std::ofstream(path) << "sso:\n  enabled: true\n  identity_providers:\n"
                        << "    - id: corp\n      protocol: OIDC\n      name: Corp SSO\n"
                        << "      server_url: " << idp_url_ << "/oidc\n"
                        << "      client_id: test-client\n      client_secret: test-secret\n"
                        << "      token_auth_method: client_secret_post\n      email_domain: example.com\n      weight: 1\n"
                        << trust
                        << "    - id: corp-backup\n      protocol: OIDC\n      name: Corp backup\n"
                        << "      server_url: " << idp_url_ << "/oidc/\n"
                        << "      client_id: test-client\n      client_secret: test-secret\n"
                        << "      email_domain: example.com\n      weight: 5\n"
                        << trust;
    env["AUTH_CONFIG_PATH"] = path;
  }
  for (const auto& [k, v] : options_.env) env[k] = v;
  return env;
}

std::size_t deployment::start_replica(const std::map<std::string, std::string>& extra) {
  auto env = socialgate_env();
  for (const auto& [k, v] : extra) env[k] = v;
  auto index = replicas_.size();
  auto log = scratch_.path() + "/socialgate-" + std::to_string(index) + ".log";
  replicas_.push_back(std::make_unique<child_process>(std::vector<std::string>{SG_SOCIALGATE_BIN}, env, log));
  auto port = replicas_.back()->wait_for_listening_port();
  if (!port) throw std::runtime_error("socialgate did not start:\n" + replicas_.back()->log());
  replica_urls_.push_back("http://127.0.0.1:" + std::to_string(*port));
  // Ready means Redis answers and every provider works (OIDC discovery loads in the background).
  httplib::Client probe(replica_urls_.back());
  wait_until([&] {
    auto r = probe.Get("/readyz");
    return r && r->status == 200;
  });
  return index;
}

nlohmann::json deployment::idp_stats() const {
  httplib::Client client(idp_url_);
  auto response = client.Get("/_dev/stats");
  if (!response) throw std::runtime_error("dev IdP does not answer");
  return nlohmann::json::parse(response->body);
}

int deployment::idp_post(const std::string& path) const {
  httplib::Client client(idp_url_);
  auto response = client.Post(path.c_str());
  return response ? response->status : 0;
}

login_outcome deployment::begin_login(browser& b, const std::string& login, std::size_t start_on,
                                      const std::string& next, const std::string& provider) {
  login_outcome out;
  out.start = b.get(replica(start_on) + "/api/auth/" + provider + "/login/?next=" + url_encode(next));
  if (out.start.status != 302) throw std::runtime_error("login start answered " + std::to_string(out.start.status) + ": " + out.start.body);
  out.idp = b.get(out.start.header("Location") + "&dev_login=" + url_encode(login));
  if (out.idp.status != 302) throw std::runtime_error("IdP answered " + std::to_string(out.idp.status) + ": " + out.idp.body);
  out.callback_url = out.idp.header("Location");
  out.state = query_value(out.callback_url, "state");
  return out;
}

login_outcome deployment::login(browser& b, const std::string& login, std::size_t start_on, std::size_t finish_on,
                                const std::string& next, const std::string& provider) {
  auto out = begin_login(b, login, start_on, next, provider);
  out.callback = b.get(out.callback_url, replica(finish_on));
  return out;
}

}  // namespace sg::test
