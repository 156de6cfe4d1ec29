#include "session-store/session_store.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "session-store/user_store.hpp"

namespace sg {

std::string session_store::key_for(const std::string& secret) const {
  return prefix_ + "session:" + sha256_hex(secret);
}

std::string session_store::index_key(const std::string& user_id) const {
  return prefix_ + "user-sessions:" + user_id;
}

std::string session_store::view_stamp_key(const std::string& user_id) const {
  return prefix_ + "user-sessions-view:" + user_id;
}

task<std::optional<session_user_view>> session_store::read_user_view(const std::string& user_id) {
  // The account keys' layout is the user store's (one hash tag for every account key).
  redis_command_args read{"HGETALL", account_key_prefix(prefix_) + "user:" + user_id};
  co_return user_view_from_hash(co_await redis_.exec(std::move(read)));
}

task<minted_session> session_store::create(std::string user_id, std::string provider, std::string user_agent,
                                           std::optional<session_user_view> known_user) {
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
  const auto index_lifetime = std::to_string(policy_.absolute_seconds);

  // Separate commands: the user's hash and the session's keys are in different Cluster slots.
  std::vector<redis_command_args> reads{{"GET", view_stamp_key(user_id)}};
  if (!known_user) reads.push_back({"HGETALL", account_key_prefix(prefix_) + "user:" + user_id});
  auto looked = co_await redis_.exec_pipeline(std::move(reads));
  auto view = known_user ? std::move(known_user) : user_view_from_hash(looked[1]);
  const bool others_current = view && !looked[0].is_nil() && looked[0].text == user_view_stamp(*view);

  redis_command_args fields{"HSET", key, "user", r.user_id, "provider", r.provider, "ua", r.user_agent,
                            "csrf", r.csrf_hash, "created", std::to_string(r.created), "seen",
                            std::to_string(r.last_seen), "expires", std::to_string(r.expires_at)};
  // A user that does not exist (deleted meanwhile) gets no copy: verify then looks for the user
  // and answers 401, as for a session made before sessions carried the copy.
  if (view)
    for (auto& field : session_fields_of(*view)) fields.push_back(std::move(field));
  std::vector<redis_command_args> writes{
      std::move(fields),
      {"EXPIRE", key, ttl},
      {"SADD", index_key(user_id), r.handle},
      // The index lives as long as the longest session it can name.
      {"EXPIRE", index_key(user_id), index_lifetime},
  };
  if (others_current) writes.push_back({"EXPIRE", view_stamp_key(user_id), index_lifetime});
  co_await redis_.exec_pipeline(std::move(writes));
  if (view && !others_current) co_await spread_user_view(user_id, *view, r.handle);
  co_return minted;
}

task<void> session_store::update_user_fields(std::string user_id) {
  auto view = co_await read_user_view(user_id);
  if (!view) co_return;  // the user is gone: verify keeps answering from the copies, as documented
  co_await spread_user_view(std::move(user_id), std::move(*view), "");
}

// Each session is its own command (its own Cluster slot); sessions of other users, and ones
// revoked meanwhile, are left alone by the script. The stamp goes last: when this stops half-way
// the next session creation spreads again.
task<void> session_store::spread_user_view(std::string user_id, session_user_view view, std::string already_written) {
  redis_command_args index{"SMEMBERS", index_key(user_id)};
  auto members = co_await redis_.exec(std::move(index));
  std::vector<std::string> args{user_id};
  for (auto& field : session_fields_of(view)) args.push_back(std::move(field));
  for (const auto& handle : members.elements) {
    if (handle.text == already_written) continue;
    std::vector<std::string> session{prefix_ + "session:" + handle.text};
    co_await redis_.eval(write_user_view_script(), std::move(session), args);
  }
  redis_command_args stamp{"SET", view_stamp_key(user_id), user_view_stamp(view), "EX",
                           std::to_string(policy_.absolute_seconds)};
  co_await redis_.exec(std::move(stamp));
}

session_record session_store::parse(const std::string& handle, const std::vector<redis_value>& fields) {
  session_record r;
  r.handle = handle;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const auto& field = fields[i].text;
    const auto& value = fields[i + 1].text;
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

task<void> session_store::revoke_handle(std::string handle, std::string user_id) {
  std::vector<redis_command_args> commands{{"DEL", prefix_ + "session:" + handle}};
  if (!user_id.empty()) commands.push_back({"SREM", index_key(user_id), handle});
  co_await redis_.exec_pipeline(std::move(commands));
}

task<void> session_store::revoke(std::string secret) {
  auto handle = sha256_hex(secret);
  redis_command_args read{"HGET", prefix_ + "session:" + handle, "user"};
  auto user = co_await redis_.exec(std::move(read));
  // Named first: GCC 12 destroys a conditional's temporary twice inside a co_await expression.
  std::string user_id = user.is_nil() ? "" : user.text;
  co_await revoke_handle(std::move(handle), std::move(user_id));
}

task<void> session_store::revoke_all(std::string user_id) {
  redis_command_args index{"SMEMBERS", index_key(user_id)};
  auto members = co_await redis_.exec(std::move(index));
  std::vector<redis_command_args> commands;
  for (const auto& handle : members.elements) commands.push_back({"DEL", prefix_ + "session:" + handle.text});
  commands.push_back({"DEL", index_key(user_id)});
  commands.push_back({"DEL", view_stamp_key(user_id)});
  co_await redis_.exec_pipeline(std::move(commands));
}

task<std::vector<session_record>> session_store::list(std::string user_id) {
  redis_command_args index{"SMEMBERS", index_key(user_id)};
  auto members = co_await redis_.exec(std::move(index));
  std::vector<redis_command_args> lookups;
  for (const auto& handle : members.elements) lookups.push_back({"HGETALL", prefix_ + "session:" + handle.text});
  auto replies = co_await redis_.exec_pipeline(std::move(lookups));
  std::vector<session_record> out;
  std::vector<redis_command_args> stale;
  auto now = unix_now();
  for (std::size_t i = 0; i < replies.size(); ++i) {
    const auto& handle = members.elements[i].text;
    auto record = parse(handle, replies[i].elements);
    if (record.user_id != user_id || now >= record.expires_at) stale.push_back({"SREM", index_key(user_id), handle});
    else out.push_back(std::move(record));
  }
  co_await redis_.exec_pipeline(std::move(stale));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.created < b.created; });
  co_return out;
}

task<bool> session_store::revoke_handle_of(std::string user_id, std::string handle) {
  redis_command_args member{"SISMEMBER", index_key(user_id), handle};
  if ((co_await redis_.exec(std::move(member))).integer != 1) co_return false;
  co_await revoke_handle(handle, user_id);
  co_return true;
}

}  // namespace sg
