#pragma once
// The development IdP's memory: registered clients, users, single-use codes and tokens.
// Thread-safe; everything is in memory and gone when the process stops.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg::dev {

struct dev_email {
  std::string email;
  bool primary = false;
  bool verified = false;
};

struct dev_user {
  std::string login;
  long long id = 0;
  std::string name;
  std::vector<dev_email> emails;
};

struct dev_client {
  std::string id;
  std::string secret;
  std::string callback_prefix;  // empty: any redirect_uri is accepted
};

struct issued_code {
  std::string client_id;
  std::string redirect_uri;
  std::string login;
  std::string code_challenge;
  std::string code_challenge_method;
  std::chrono::steady_clock::time_point expires;
  std::string nonce;  // OIDC
};

class idp_state {
 public:
  void add_client(dev_client client);
  void add_user(dev_user user);
  std::optional<dev_client> client(const std::string& id) const;
  // Finds a user, or creates one with a verified address when `auto_create` is on.
  std::optional<dev_user> user(const std::string& login, bool auto_create);
  std::vector<dev_user> users() const;

  std::string issue_code(issued_code code);
  // Single use: the code is removed whether or not it is still valid.
  std::optional<issued_code> take_code(const std::string& code);
  std::string issue_token(const std::string& login);
  std::optional<dev_user> user_for_token(const std::string& token) const;

  std::atomic<long> token_requests{0};
  std::atomic<long> user_requests{0};
  std::atomic<long> enterprise_api_requests{0};  // under /api/v3
  std::atomic<long> authorize_requests{0};
  std::atomic<long> jwks_requests{0};
  std::string base_url;  // http://host:port, set once the port is bound (before serving)

 private:
  mutable std::mutex mutex_;
  std::map<std::string, dev_client> clients_;
  std::map<std::string, dev_user> users_;
  std::map<std::string, issued_code> codes_;
  std::map<std::string, std::string> tokens_;
  long long next_id_ = 1000000;
};

dev_user user_from_json(const nlohmann::json& doc);
nlohmann::json user_to_json(const dev_user& user);

}  // namespace sg::dev
