// The hot path of every authenticated request and of /api/auth/verify: one EVALSHA on the
// session's key that reads the session, ends it when it is past its absolute cap, and extends
// its idle expiry when the last extension is a minute old or more.
#include <algorithm>

#include "core/crypto.hpp"
#include "session-store/session_store.hpp"

namespace sg {
namespace {
// KEYS[1]: the session. ARGV: now (unix seconds), touch interval, idle seconds.
// Returns {'live', fields (as HGETALL, after the touch)} | {'ended', user id or ''} | {'missing'}.
// A session without a user, or at its absolute cap, is deleted here; the caller removes it from
// the user's index (another Cluster slot). Only this key is touched.
const redis_script& read_and_touch_script() {
  static const redis_script script(R"lua(
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {'missing'} end
local s = {}
for i = 1, #fields, 2 do s[fields[i]] = fields[i + 1] end
local now = tonumber(ARGV[1])
local user = s['user'] or ''
local expires = tonumber(s['expires'] or '') or 0
if user == '' or now >= expires then
  redis.call('DEL', KEYS[1])
  return {'ended', user}
end
local seen = tonumber(s['seen'] or '') or 0
if now - seen >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'seen', ARGV[1])
  redis.call('EXPIRE', KEYS[1], math.min(tonumber(ARGV[3]), expires - now))
  local stored = false
  for i = 1, #fields, 2 do
    if fields[i] == 'seen' then fields[i + 1] = ARGV[1]; stored = true end
  end
  if not stored then table.insert(fields, 'seen'); table.insert(fields, ARGV[1]) end
end
return {'live', fields}
)lua");
  return script;
}
}  // namespace

task<std::optional<session_store::looked_up>> session_store::look_up(const std::string& secret) {
  auto handle = sha256_hex(secret);
  std::vector<std::string> keys{prefix_ + "session:" + handle};
  std::vector<std::string> args{std::to_string(unix_now()), std::to_string(policy_.touch_interval_seconds),
                                std::to_string(policy_.idle_seconds)};
  auto reply = co_await redis_.eval(read_and_touch_script(), std::move(keys), std::move(args));
  const auto verdict = reply.elements.empty() ? std::string("missing") : reply.elements[0].text;
  if (verdict == "ended") {
    const auto user = reply.elements.size() > 1 ? reply.elements[1].text : std::string();
    redis_command_args unindex{"SREM", index_key(user), handle};
    if (!user.empty()) co_await redis_.exec(std::move(unindex));
    co_return std::nullopt;
  }
  if (verdict != "live" || reply.elements.size() < 2) co_return std::nullopt;
  const auto& fields = reply.elements[1].elements;
  co_return looked_up{parse(handle, fields), user_view_from_session(fields)};
}

task<std::optional<session_record>> session_store::find(std::string secret) {
  auto found = co_await look_up(secret);
  if (!found) co_return std::nullopt;
  co_return std::move(found->record);
}

task<std::optional<verified_session>> session_store::verify(std::string secret) {
  auto found = co_await look_up(secret);
  if (!found) co_return std::nullopt;
  auto& record = found->record;
  if (!found->view) {
    // A session made before sessions carried their user: read the user once, as verify did
    // before (a user that is gone answers 401), and keep the copy for the next requests.
    found->view = co_await read_user_view(record.user_id);
    if (!found->view) co_return std::nullopt;
    std::vector<std::string> args{record.user_id};
    for (auto& field : session_fields_of(*found->view)) args.push_back(std::move(field));
    std::vector<std::string> session{prefix_ + "session:" + record.handle};
    co_await redis_.eval(write_user_view_script(), std::move(session), std::move(args));
  }
  auto& view = *found->view;
  co_return verified_session{record.handle, record.user_id, std::move(view.username), std::move(view.email),
                             view.email_vouched, record.provider};
}

}  // namespace sg
