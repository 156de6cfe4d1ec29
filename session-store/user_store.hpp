#pragma once
// Users and identity links (SPEC section 5). An identity is keyed by (provider, subject), never
// by email; an email joins an existing user only when both sides are verified.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/identity.hpp"
#include "session-store/redis_pool.hpp"

namespace sg {

struct user_record {
  std::string id;
  std::string username;
  std::string email;
  bool email_verified = false;
  std::string first_name;
  std::string last_name;
  std::string created_via;  // "social" or "sso"
  long long created = 0;
  std::vector<std::string> identities;  // "provider:subject"
};

// The login is refused for a reason the user can act on (the message is shown to them).
struct account_conflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct provision_result {
  user_record user;
  bool created = false;  // a new user
  bool joined = false;   // the identity was linked to an existing user by verified email
};

class user_store {
 public:
  user_store(redis_pool& redis, std::string prefix) : redis_(redis), prefix_(std::move(prefix)) {}

  std::optional<user_record> find(const std::string& id);
  provision_result provision(const external_identity& identity, const std::string& created_via);
  // process=connect: links the identity to `user_id`. Refused (account_conflict) when the
  // identity already belongs to another user.
  user_record connect(const external_identity& identity, const std::string& user_id);

  std::string identity_key(const std::string& provider, const std::string& subject) const;
  std::string email_key(const std::string& email) const;

 private:
  std::optional<std::string> linked_user(const external_identity& identity);
  // Links the identity to `user_id`; returns the user it is linked to (another one if a
  // concurrent login linked it first).
  std::string link(const external_identity& identity, const std::string& user_id);
  std::string claim_username(const external_identity& identity, const std::string& user_id);

  redis_pool& redis_;
  std::string prefix_;
};

std::string lower_ascii(std::string text);

}  // namespace sg
