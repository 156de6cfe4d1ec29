#include "session-store/session_store.hpp"

#include <algorithm>
#include <chrono>

#include "core/crypto.hpp"

namespace sg {

std::string session_store::key_for(const std::string& secret) const {
  return prefix_ + "session:" + sha256_hex(secret);
}

std::string session_store::index_key(const std::string& user_id) const {
  return prefix_ + "user-sessions:" + user_id;
}

minted_session session_store::create(const std::string& user_id, const std::string& provider,
                                     const std::string& user_agent) {
  minted_session minted;
  minted.secret = random_token(32);
  minted.csrf_token = random_token(32);
  auto now = unix_now();
  auto& r = minted.record;
  r.handle = sha256_hex(minted.secret);
  r.user_id = user_id;
  r.provider = provider;
  r.user_agent = user_agent.substr(0, 256);
  r.csrf_hash = sha256_hex(minted.csrf_token);
  r.created = r.last_seen = now;
  r.expires_at = now + policy_.absolute_seconds;
  auto key = prefix_ + "session:" + r.handle;
  auto ttl = std::to_string(std::min(policy_.idle_seconds, policy_.absolute_seconds));
  redis_.pipeline({
      {"HSET", key, "user", r.user_id, "provider", r.provider, "ua", r.user_agent, "csrf", r.csrf_hash,
       "created", std::to_string(r.created), "seen", std::to_string(r.last_seen), "expires",
       std::to_string(r.expires_at)},
      {"EXPIRE", key, ttl},
      {"SADD", index_key(user_id), r.handle},
      // The index lives as long as the longest session it can name.
      {"EXPIRE", index_key(user_id), std::to_string(policy_.absolute_seconds)},
  });
  return minted;
}

session_record session_store::parse(const std::string& handle, const redis_value& reply) {
  session_record r;
  r.handle = handle;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const auto& field = reply.elements[i].text;
    const auto& value = reply.elements[i + 1].text;
    if (field == "user") r.user_id = value;
    else if (field == "provider") r.provider = value;
    else if (field == "ua") r.user_agent = value;
    else if (field == "csrf") r.csrf_hash = value;
    else if (field == "created") r.created = std::atoll(value.c_str());
    else if (field == "seen") r.last_seen = std::atoll(value.c_str());
    else if (field == "expires") r.expires_at = std::atoll(value.c_str());
  }
  return r;
}

std::optional<session_record> session_store::find(const std::string& secret) {
  auto handle = sha256_hex(secret);
  auto key = prefix_ + "session:" + handle;
  auto reply = redis_.command({"HGETALL", key});
  if (reply.elements.empty()) return std::nullopt;
  auto r = parse(handle, reply);
  auto now = unix_now();
  if (r.user_id.empty() || now >= r.expires_at) {
    revoke_handle(handle, r.user_id);
    return std::nullopt;
  }
  if (now - r.last_seen >= policy_.touch_interval_seconds) {
    r.last_seen = now;
    auto ttl = std::min<long long>(policy_.idle_seconds, r.expires_at - now);
    redis_.pipeline({{"HSET", key, "seen", std::to_string(now)}, {"EXPIRE", key, std::to_string(ttl)}});
  }
  return r;
}

void session_store::revoke_handle(const std::string& handle, const std::string& user_id) {
  std::vector<redis_command_args> commands{{"DEL", prefix_ + "session:" + handle}};
  if (!user_id.empty()) commands.push_back({"SREM", index_key(user_id), handle});
  redis_.pipeline(commands);
}

void session_store::revoke(const std::string& secret) {
  auto handle = sha256_hex(secret);
  auto user = redis_.command({"HGET", prefix_ + "session:" + handle, "user"});
  revoke_handle(handle, user.is_nil() ? "" : user.text);
}

void session_store::revoke_all(const std::string& user_id) {
  auto members = redis_.command({"SMEMBERS", index_key(user_id)});
  std::vector<redis_command_args> commands;
  for (const auto& handle : members.elements) commands.push_back({"DEL", prefix_ + "session:" + handle.text});
  commands.push_back({"DEL", index_key(user_id)});
  redis_.pipeline(commands);
}

}  // namespace sg

namespace sg {

std::vector<session_record> session_store::list(const std::string& user_id) {
  auto members = redis_.command({"SMEMBERS", index_key(user_id)});
  std::vector<redis_command_args> lookups;
  for (const auto& handle : members.elements) lookups.push_back({"HGETALL", prefix_ + "session:" + handle.text});
  auto replies = redis_.pipeline(lookups);
  std::vector<session_record> out;
  std::vector<redis_command_args> stale;
  auto now = unix_now();
  for (std::size_t i = 0; i < replies.size(); ++i) {
    const auto& handle = members.elements[i].text;
    auto record = parse(handle, replies[i]);
    if (record.user_id != user_id || now >= record.expires_at) stale.push_back({"SREM", index_key(user_id), handle});
    else out.push_back(std::move(record));
  }
  redis_.pipeline(stale);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created < b.created; });
  return out;
}

bool session_store::revoke_handle_of(const std::string& user_id, const std::string& handle) {
  if (redis_.command({"SISMEMBER", index_key(user_id), handle}).integer != 1) return false;
  revoke_handle(handle, user_id);
  return true;
}

}  // namespace sg
