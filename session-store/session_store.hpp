#pragma once
// Sessions (SPEC section 5). Redis keeps each session under the SHA-256 of its id, so a dump
// yields no usable cookie. Idle expiry is extended at most once a minute; an absolute cap
// bounds every session; a per-user index makes "log out everywhere" possible.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "session-store/redis_pool.hpp"

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

struct session_policy {
  long idle_seconds = 1209600;
  long absolute_seconds = 2592000;
  long touch_interval_seconds = 60;
};

class session_store {
 public:
  session_store(redis_pool& redis, std::string prefix, session_policy policy)
      : redis_(redis), prefix_(std::move(prefix)), policy_(policy) {}

  minted_session create(const std::string& user_id, const std::string& provider, const std::string& user_agent);
  // Looks the session up and extends its idle expiry when the last extension is over a minute old.
  std::optional<session_record> find(const std::string& secret);
  void revoke(const std::string& secret);
  void revoke_all(const std::string& user_id);
  // The user's live sessions (expired ones are dropped from the index on the way).
  std::vector<session_record> list(const std::string& user_id);
  // Revokes the session with this public handle if it belongs to the user; false otherwise.
  bool revoke_handle_of(const std::string& user_id, const std::string& handle);

  std::string key_for(const std::string& secret) const;
  std::string index_key(const std::string& user_id) const;

 private:
  void revoke_handle(const std::string& handle, const std::string& user_id);
  static session_record parse(const std::string& handle, const redis_value& fields);

  redis_pool& redis_;
  std::string prefix_;
  session_policy policy_;
};


}  // namespace sg
