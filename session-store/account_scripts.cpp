#include "session-store/account_scripts.hpp"

namespace sg::account_scripts {
namespace {
// Shared by both scripts. Writes are planned first and committed only when the ACL allows every
// one of them, so a forbidden command leaves nothing behind. No write below can fail on a key
// type (HSET and SADD only touch keys just checked to be absent, or a set this code made), and
// OOM is refused before the script starts (shebang), so the commit cannot stop half-way.
#define SG_ACCOUNT_PRELUDE                                                                     \
  "#!lua\n"                                                                                     \
  "local p = ARGV[1]\n"                                                                         \
  "local function user_exists(id)\n"                                                            \
  "  return id ~= nil and id ~= false and redis.call('EXISTS', p .. 'user:' .. id) == 1\n"     \
  "end\n"                                                                                       \
  "local writes = {}\n"                                                                         \
  "local function plan(...) table.insert(writes, {...}) end\n"                                  \
  "local function commit()\n"                                                                   \
  "  for _, w in ipairs(writes) do\n"                                                           \
  "    if not redis.acl_check_cmd(unpack(w)) then return w[1] end\n"                            \
  "  end\n"                                                                                     \
  "  for _, w in ipairs(writes) do redis.call(unpack(w)) end\n"                                 \
  "  return nil\n"                                                                              \
  "end\n"
}  // namespace

const redis_script& provision() {
  static const redis_script script(SG_ACCOUNT_PRELUDE R"lua(
local member = ARGV[2]
local verified, trusted = ARGV[4] == '1', ARGV[5] == '1'

-- 1. The identity is known and its user exists: that user. A claim naming a missing user
--    (deleted by an operator) is dangling: it is reclaimed below, never followed again.
local linked = redis.call('GET', KEYS[1])
if user_exists(linked) then return {'existing', linked} end

-- 2. The email rule. A claim counts only when its owner exists and vouches for the address
--    (verified, by an IdP trusted for email); any other claim reserves nothing.
local email_key = KEYS[2]
local stale_email_claim = false
if email_key then
  local owner = redis.call('GET', email_key)
  if owner then
    local vouched = false
    if user_exists(owner) then
      local f = redis.call('HMGET', p .. 'user:' .. owner, 'email_verified', 'email_trusted')
      vouched = f[1] == '1' and f[2] == '1'
    end
    if vouched then
      if not (verified and trusted) then return {'conflict', ''} end
      plan('SADD', p .. 'user-identities:' .. owner, member)
      plan('SET', KEYS[1], owner)
      local denied = commit()
      if denied then return {'denied', denied} end
      return {'joined', owner}
    end
    stale_email_claim = true
  end
end

-- 3. A new user: the first free candidate id and username (a username claim of a missing
--    user is free again).
local n = tonumber(ARGV[10])
local id = nil
for i = 1, n do
  local c = ARGV[10 + i]
  if redis.call('EXISTS', p .. 'user:' .. c, p .. 'user-identities:' .. c) == 0 then id = c break end
end
if not id then return {'no_id', ''} end
local names_at = 11 + n
local username = nil
for i = 1, tonumber(ARGV[names_at]) do
  local name = ARGV[names_at + i]
  local holder = redis.call('GET', p .. 'username:' .. string.lower(name))
  if not user_exists(holder) then username = name break end
end
if not username then return {'no_username', ''} end

plan('HSET', p .. 'user:' .. id, 'username', username, 'email', ARGV[3], 'email_verified', ARGV[4],
     'email_trusted', ARGV[5], 'first_name', ARGV[6], 'last_name', ARGV[7], 'created_via', ARGV[8],
     'created', ARGV[9])
plan('SADD', p .. 'user-identities:' .. id, member)
plan('SET', KEYS[1], id)
plan('SET', p .. 'username:' .. string.lower(username), id)
if email_key then
  if verified and trusted then plan('SET', email_key, id)
  elseif stale_email_claim then plan('DEL', email_key) end
end
local denied = commit()
if denied then return {'denied', denied} end
return {'created', id}
)lua");
  return script;
}

const redis_script& connect() {
  static const redis_script script(SG_ACCOUNT_PRELUDE R"lua(
local uid, member = ARGV[2], ARGV[3]
if not user_exists(uid) then return {'no_user', ''} end
local linked = redis.call('GET', KEYS[1])
if linked and linked ~= uid and user_exists(linked) then return {'conflict', ''} end
-- Not linked, already linked to this user (idempotent), or a dangling claim (reclaimed).
plan('SADD', p .. 'user-identities:' .. uid, member)
plan('SET', KEYS[1], uid)
local denied = commit()
if denied then return {'denied', denied} end
return {'linked', uid}
)lua");
  return script;
}

#undef SG_ACCOUNT_PRELUDE

}  // namespace sg::account_scripts
