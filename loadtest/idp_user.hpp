#pragma once
// One virtual user that drives the dev IdP alone: per login, the same IdP requests a socialgate
// login makes (the browser's authorize with its approval, then what socialgate's provider
// worker sends: the token exchange and the user lookups), straight to the IdP. This is the
// baseline the benchmark compares socialgate's logins with, under the same driver.
#include <memory>
#include <string>

#include "loadtest/report.hpp"

namespace httplib {
class Client;
}

namespace sg::load {

enum class idp_protocol { github, oidc };

struct idp_options {
  idp_protocol protocol = idp_protocol::github;
  std::string base_url;      // GitHub: the IdP's root; OIDC: issuer (root plus the personality's prefix)
  std::string client_id;
  std::string client_secret;
  std::string redirect_uri;  // what socialgate would send: <site>/api/auth/<provider>/login/callback/
  std::string user_prefix;
};

class idp_user {
 public:
  idp_user(int index, const idp_options& options, recorder& results);
  ~idp_user();
  // One login's worth of IdP requests; false when one failed (recorded with its kind).
  bool run_once(int iteration);

 private:
  bool github_login(const std::string& login);
  bool oidc_login(const std::string& login);
  // The authorize request approved at once (dev_login): the code from the redirect, or "".
  std::string authorize(const std::string& path, const std::string& query);

  int index_;
  const idp_options& options_;
  recorder& results_;
  std::string path_prefix_;  // the base URL's path (an OIDC personality's prefix)
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace sg::load
