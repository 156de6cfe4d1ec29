#pragma once
// What a session keeps of its user, so that /api/auth/verify answers from the session alone (one
// EVALSHA): the username, and the email only when socialgate vouches for it. The session and its
// user live in different Redis Cluster slots, so no script reads both: the copy is written when
// the session is made, and again into each of the user's sessions (one key per command) when it
// no longer matches the user (session_store::update_user_fields).
#include <optional>
#include <string>
#include <vector>

#include "session-store/redis_executor.hpp"

namespace sg {

struct session_user_view {
  std::string username;
  std::string email;  // empty unless vouched
  bool email_vouched = false;

  bool operator==(const session_user_view&) const = default;
};

// From the user's hash (an HGETALL reply); nullopt when the user does not exist. The email is
// kept only when verified by an IdP trusted for email (user_record::email_vouched).
std::optional<session_user_view> user_view_from_hash(const redis_value& user_hash);
// From a session's fields (field, value, ... as HGETALL answers); nullopt for a session made
// before sessions carried their user.
std::optional<session_user_view> user_view_from_session(const std::vector<redis_value>& session_fields);
// The session fields that hold the view, as HSET arguments (field, value, ...).
std::vector<std::string> session_fields_of(const session_user_view& view);
// A digest of the view: the user's sessions hold this view when the stamp last spread equals it.
std::string user_view_stamp(const session_user_view& view);

// KEYS[1]: a session. ARGV[1]: the user it must belong to, then the fields (field, value, ...).
// Writes only into a live session of that user: a revoked one is never brought back (without
// its expiry).
const redis_script& write_user_view_script();

}  // namespace sg
