#pragma once
// Sessions (SPEC section 5). Redis keeps each session under the SHA-256 of its id, so a dump
// yields no usable cookie. Idle expiry is extended at most once a minute; an absolute cap
// bounds every session; a per-user index makes "log out everywhere" possible. A session also
// keeps a copy of what verify tells about its user (session_user_view), so that verify and the
// lookup of every authenticated request are one EVALSHA each on the session's key alone.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/task.hpp"
#include "session-store/redis_executor.hpp"
#include "session-store/session_user_view.hpp"

namespace sg {

struct session_record {
  std::string handle;  // public id: the key hash, safe to show
  std::string user_id;
  std::string provider;
  std::string user_agent;
  std::string csrf_hash;
  long long created = 0;
  long long last_seen = 0;
  long long expires_at = 0;  // absolute cap
};

struct minted_session {
  std::string secret;      // cookie value / API key: shown to the client once, never stored
  std::string csrf_token;  // CSRF cookie value
  session_record record;
};

// What /api/auth/verify answers (forward-auth headers), read from the session alone.
struct verified_session {
  std::string handle;  // the public handle, never the secret
  std::string user_id;
  std::string username;
  std::string email;  // empty unless vouched
  bool email_vouched = false;
  std::string provider;  // the provider this session signed in with
};

struct session_policy {
  long idle_seconds = 1209600;
  long absolute_seconds = 2592000;
  long touch_interval_seconds = 60;
};

class session_store {
 public:
  session_store(redis_executor& redis, std::string prefix, session_policy policy)
      : redis_(redis), prefix_(std::move(prefix)), policy_(policy) {}

  // Mints a session with a copy of the user's verify fields; when the user's other sessions hold
  // an older copy (the user changed since), they are updated too.
  // `known_user`: what the session keeps of its user when the caller has just read or written
  // the user (the login callback's provisioning answer), so it is not read again.
  task<minted_session> create(std::string user_id, std::string provider, std::string user_agent,
                              std::optional<session_user_view> known_user = std::nullopt);
  // Looks the session up and extends its idle expiry when the last extension is a minute old or
  // more: one EVALSHA. An expired session is deleted on the way.
  task<std::optional<session_record>> find(std::string secret);
  // /api/auth/verify: the same single EVALSHA (read, check, extend when due), answered from the
  // session's copy of its user. A session made before sessions carried that copy reads the user
  // once and keeps what it read.
  task<std::optional<verified_session>> verify(std::string secret);
  task<void> revoke(std::string secret);
  task<void> revoke_all(std::string user_id);
  // The user's live sessions (expired ones are dropped from the index on the way).
  task<std::vector<session_record>> list(std::string user_id);
  // Revokes the session with this public handle if it belongs to the user; false otherwise.
  task<bool> revoke_handle_of(std::string user_id, std::string handle);
  // Writes the user's current verify fields into each of the user's sessions (through the index,
  // one session key per command). Whoever changes what verify shows of a user calls this, or
  // leaves it to the user's next session creation, which does it when the copy differs.
  task<void> update_user_fields(std::string user_id);

  std::string key_for(const std::string& secret) const;
  std::string index_key(const std::string& user_id) const;
  // The stamp (user_view_stamp) of the view last written into all of the user's sessions.
  std::string view_stamp_key(const std::string& user_id) const;

 private:
  struct looked_up {
    session_record record;
    std::optional<session_user_view> view;
  };
  task<std::optional<looked_up>> look_up(const std::string& secret);
  task<void> revoke_handle(std::string handle, std::string user_id);
  task<std::optional<session_user_view>> read_user_view(const std::string& user_id);
  task<void> spread_user_view(std::string user_id, session_user_view view, std::string already_written);
  static session_record parse(const std::string& handle, const std::vector<redis_value>& fields);

  redis_executor& redis_;
  std::string prefix_;
  session_policy policy_;
};

}  // namespace sg
