#pragma once
// One virtual user: its own cookie jar and keep-alive connections, running complete
// browser-like logins (login start, the IdP's authorize redirect, the callback) and then
// session checks on /api/auth/verify, against the replicas in turn.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loadtest/report.hpp"

namespace httplib {
class Client;
}

namespace sg::load {

struct load_options {
  std::vector<std::string> targets;  // replica base URLs
  std::string site;                  // public origin the IdP redirects back to
  std::string provider = "github";
  std::string user_prefix = "lt";
  int checks_per_login = 5;
  bool verify_only = false;          // one login, then only session checks
};

class virtual_user {
 public:
  virtual_user(int index, const load_options& options, recorder& results, std::atomic<unsigned>& round_robin);
  ~virtual_user();
  // One login and its checks; false when it failed (recorded with its kind).
  bool run_once(int iteration);
  bool check_once();

 private:
  struct response {
    int status = 0;
    std::string location;
    bool ok = false;
  };
  response get(const std::string& url, bool send_cookies);
  httplib::Client& client_for(const std::string& origin);
  const std::string& next_target();

  int index_;
  const load_options& options_;
  recorder& results_;
  std::atomic<unsigned>& round_robin_;
  std::map<std::string, std::string> cookies_;
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;
};

}  // namespace sg::load
