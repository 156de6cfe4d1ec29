#pragma once
// Users and identity links (SPEC section 5). An identity is keyed by (provider, subject), never
// by email. A first login, and a link (process=connect), is one Lua script each
// (account_scripts): all claims and the user record are written together or not at all.
#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/identity.hpp"
#include "core/task.hpp"
#include "session-store/redis_executor.hpp"
#include "session-store/session_user_view.hpp"

namespace sg {

struct user_record {
  std::string id;  // a random 64-bit number as a decimal string; never reissued
  std::string username;
  std::string email;
  bool email_verified = false;  // the IdP that made the user said the address is verified
  bool email_trusted = false;   // ... and that IdP is trusted to assert emails
  std::string first_name;
  std::string last_name;
  std::string created_via;  // "social" or "sso"
  long long created = 0;
  std::vector<std::string> identities;  // "provider:subject"

  // socialgate vouches for the address (forward-auth X-Auth-Email, email joins).
  bool email_vouched() const { return email_verified && email_trusted; }
};

// What a session keeps of this user (session_user_view.hpp), from a record already read.
session_user_view user_view_of(const user_record& user);

// The login is refused for a reason the user can act on (the message is shown to them).
struct account_conflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct provision_result {
  user_record user;
  bool created = false;  // a new user
  bool joined = false;   // the identity was linked to an existing user by verified email
};

// "{<prefix>acct}:": the hash tag shared by every account key (one Redis Cluster slot).
std::string account_key_prefix(const std::string& prefix);
// A fresh random user id: 64 bits from OpenSSL, as a decimal string.
std::string new_user_id();

class user_store {
 public:
  user_store(redis_executor& redis, std::string prefix)
      : redis_(redis), base_prefix_(prefix), prefix_(account_key_prefix(prefix)) {}

  // Start-up could not look for account keys of the old layout (Redis was down): look before the
  // first provisioning or link instead, and refuse both (503) while old keys are there, so no
  // second user is ever made for an identity the old layout knows.
  void check_key_layout_before_writing() { layout_checked_ = false; }

  task<std::optional<user_record>> find(std::string id);
  task<provision_result> provision(external_identity identity, std::string created_via);
  // process=connect: links the identity to `user_id`. Refused (account_conflict) when the
  // identity already belongs to another existing user or `user_id` no longer exists.
  task<user_record> connect(external_identity identity, std::string user_id);

  std::string user_key(const std::string& id) const { return prefix_ + "user:" + id; }
  std::string identities_key(const std::string& id) const { return prefix_ + "user-identities:" + id; }
  std::string identity_key(const std::string& provider, const std::string& subject) const;
  std::string email_key(const std::string& email) const;
  std::string username_key(const std::string& username) const;

 private:
  task<void> ensure_key_layout();

  redis_executor& redis_;
  std::string base_prefix_;  // SOCIAL_AUTH_REDIS_PREFIX
  std::string prefix_;       // the account prefix, hash tag included
  std::atomic<bool> layout_checked_{true};
};

std::string lower_ascii(std::string text);

}  // namespace sg
