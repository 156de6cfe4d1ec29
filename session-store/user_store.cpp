#include "session-store/user_store.hpp"

#include <algorithm>
#include <cctype>

#include "core/crypto.hpp"
#include "session-store/session_store.hpp"
#include "session-store/username_policy.hpp"

namespace sg {

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string user_store::identity_key(const std::string& provider, const std::string& subject) const {
  return prefix_ + "identity:" + provider + ":" + subject;
}

std::string user_store::email_key(const std::string& email) const {
  return prefix_ + "email:" + lower_ascii(email);
}

std::optional<user_record> user_store::find(const std::string& id) {
  auto replies = redis_.pipeline({{"HGETALL", prefix_ + "user:" + id}, {"SMEMBERS", prefix_ + "user-identities:" + id}});
  if (replies[0].elements.empty()) return std::nullopt;
  user_record user;
  user.id = id;
  const auto& fields = replies[0].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const auto& name = fields[i].text;
    const auto& value = fields[i + 1].text;
    if (name == "username") user.username = value;
    else if (name == "email") user.email = value;
    else if (name == "email_verified") user.email_verified = value == "1";
    else if (name == "first_name") user.first_name = value;
    else if (name == "last_name") user.last_name = value;
    else if (name == "created_via") user.created_via = value;
    else if (name == "created") user.created = std::atoll(value.c_str());
  }
  for (const auto& member : replies[1].elements) user.identities.push_back(member.text);
  std::sort(user.identities.begin(), user.identities.end());
  return user;
}

std::optional<std::string> user_store::linked_user(const external_identity& identity) {
  auto reply = redis_.command({"GET", identity_key(identity.provider, identity.subject)});
  if (reply.is_nil()) return std::nullopt;
  return reply.text;
}

std::string user_store::link(const external_identity& identity, const std::string& user_id) {
  auto key = identity_key(identity.provider, identity.subject);
  auto set = redis_.command({"SET", key, user_id, "NX"});
  if (set.is_nil()) return redis_.command({"GET", key}).text;
  redis_.command({"SADD", prefix_ + "user-identities:" + user_id, identity.provider + ":" + identity.subject});
  return user_id;
}

std::string user_store::claim_username(const external_identity& identity, const std::string& user_id) {
  // Try each candidate as is when valid, then with random suffixes: "short or taken" gets one.
  for (const auto& candidate : username_candidates(identity)) {
    if (is_valid_username(candidate)) {
      auto reply = redis_.command({"SET", prefix_ + "username:" + lower_ascii(candidate), user_id, "NX"});
      if (!reply.is_nil()) return candidate;
    }
  }
  auto base = username_candidates(identity).front().substr(0, 140);
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto candidate = base + "_" + sha256_hex(random_bytes(8)).substr(0, 6);
    auto reply = redis_.command({"SET", prefix_ + "username:" + lower_ascii(candidate), user_id, "NX"});
    if (!reply.is_nil()) return candidate;
  }
  throw redis_command_error("could not find a free username");
}

user_record user_store::connect(const external_identity& identity, const std::string& user_id) {
  if (!find(user_id)) throw account_conflict("The signed-in user no longer exists. Sign in again.");
  if (link(identity, user_id) != user_id)
    throw account_conflict("This " + identity.provider + " account is already linked to another user.");
  return *find(user_id);
}

provision_result user_store::provision(const external_identity& identity, const std::string& created_via) {
  if (auto existing = linked_user(identity)) {
    if (auto user = find(*existing)) return {*user, false, false};
    // A dangling link (user deleted by an operator): fall through and create a new user.
    redis_.command({"DEL", identity_key(identity.provider, identity.subject)});
  }

  const bool has_email = !identity.email.empty();
  if (has_email) {
    auto owner = redis_.command({"GET", email_key(identity.email)});
    if (!owner.is_nil()) {
      auto user = find(owner.text);
      if (user) {
        if (identity.email_verified && user->email_verified) {
          auto linked = link(identity, user->id);
          return {*find(linked), false, linked == user->id};
        }
        throw account_conflict(
            "An account with this email address already exists. Sign in with the method you used before; "
            "this sign-in cannot be linked to it because the email address is not verified on both sides.");
      }
    }
  }

  auto user_id = std::to_string(redis_.command({"INCR", prefix_ + "user-seq"}).integer);
  if (has_email) {
    auto claimed = redis_.command({"SET", email_key(identity.email), user_id, "NX"});
    if (claimed.is_nil())  // a concurrent first login took the address: decide again against it
      return provision(identity, created_via);
  }
  auto username = claim_username(identity, user_id);
  auto now = unix_now();
  redis_.command({"HSET", prefix_ + "user:" + user_id, "username", username, "email", identity.email,
                  "email_verified", identity.email_verified ? "1" : "0", "first_name", identity.first_name,
                  "last_name", identity.last_name, "created_via", created_via, "created", std::to_string(now)});
  auto linked = link(identity, user_id);
  if (linked != user_id) {
    // A concurrent first login of the same identity won: undo this user, use that one.
    std::vector<redis_command_args> undo{{"DEL", prefix_ + "user:" + user_id},
                                         {"DEL", prefix_ + "username:" + lower_ascii(username)}};
    if (has_email) undo.push_back({"DEL", email_key(identity.email)});
    redis_.pipeline(undo);
    if (has_email) redis_.command({"SET", email_key(identity.email), linked, "NX"});
    return {*find(linked), false, false};
  }
  return {*find(user_id), true, false};
}

}  // namespace sg
