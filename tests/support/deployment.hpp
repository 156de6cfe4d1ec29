#pragma once
// A whole local deployment for one test: a real redis-server, the dev IdP and N socialgate
// replicas, each a real process on a loopback port. The public base URL is a name that only
// the test browser resolves, to whichever replica the test picks (a load balancer).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/browser.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"

namespace sg::test {

struct deployment_options {
  int replicas = 1;
  std::string site = "http://socialgate.test";  // CVAT_BASE_URL: the load balancer's address
  std::map<std::string, std::string> env;  // extra socialgate variables
  std::string idp_users_json;              // users of the dev IdP; default: its built-in ones
  int idp_threads = 64;
  bool redis_persistence = false;  // appendonly with fsync always
  bool oidc = false;  // also Google, Cognito and auth_config.yml IdPs (oidc/corp, oidc/corp-backup), all at the dev IdP
  bool sso_trust_email = false;  // `trust_email: true` for both auth_config.yml IdPs
};

struct login_outcome {
  http_result start;     // socialgate's 302 to the IdP
  http_result idp;       // the IdP's 302 back to the callback
  http_result callback;  // socialgate's answer to the callback
  std::string callback_url;
  std::string state;
};

class deployment {
 public:
  explicit deployment(deployment_options options = {});
  ~deployment();

  const std::string& site() const { return options_.site; }
  browser new_browser() const { return browser(options_.site, idp_url_); }
  std::map<std::string, std::string> socialgate_env() const;
  // Starts one more replica (with optional extra variables); returns its index.
  std::size_t start_replica(const std::map<std::string, std::string>& extra = {});
  const std::string& replica(std::size_t i) const { return replica_urls_.at(i); }
  child_process& replica_process(std::size_t i) { return *replicas_.at(i); }
  const std::string& idp_url() const { return idp_url_; }
  nlohmann::json idp_stats() const;
  // POST to the dev IdP (misbehaviour switches, key rotation); returns the status.
  int idp_post(const std::string& path) const;
  redis_server& redis() { return *redis_; }
  const std::string& scratch() const { return scratch_.path(); }

  // Starts a login on replica `start_on`, approves it at the IdP as `login`, and sends the
  // callback to replica `finish_on`.
  login_outcome login(browser& b, const std::string& login, std::size_t start_on = 0, std::size_t finish_on = 0,
                      const std::string& next = "/", const std::string& provider = "github");
  // Only the first half: login start and the IdP's answer; returns the callback URL.
  login_outcome begin_login(browser& b, const std::string& login, std::size_t start_on = 0,
                            const std::string& next = "/", const std::string& provider = "github");

 private:
  deployment_options options_;
  scratch_dir scratch_;
  std::unique_ptr<redis_server> redis_;
  std::unique_ptr<child_process> idp_;
  std::string idp_url_;
  std::vector<std::unique_ptr<child_process>> replicas_;
  std::vector<std::string> replica_urls_;
};

std::string query_value(const std::string& url, const std::string& name);

}  // namespace sg::test
