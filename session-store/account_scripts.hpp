#pragma once
// The Lua scripts that change accounts (SPEC section 5). Each one reads everything it needs,
// decides, checks with the server's ACL that every write it plans is allowed, and only then
// writes: all or nothing, in one atomic step. `#!lua` (a Redis 7 shebang, no flags) makes the
// server refuse a script whole under OOM or on a read-only replica, never half-way.
//
// All account keys share one hash tag, so each script stays in one Redis Cluster slot. Run by
// EVALSHA (redis_executor::eval): the text is sent only when Redis does not know the script.
#include "session-store/redis_executor.hpp"

namespace sg::account_scripts {

// KEYS: identity key, [email key]. ARGV: account prefix, "provider:subject", email,
// email_verified, email_trusted ("1"/"0"), first name, last name, created_via, created (unix),
// N, N candidate user ids, M, M candidate usernames (in order of preference).
// Returns {status, user id}: existing | joined | created | conflict | no_id | no_username |
// denied (the second element is then the refused command).
const redis_script& provision();

// KEYS: identity key. ARGV: account prefix, user id, "provider:subject".
// Returns {status, user id}: linked | no_user | conflict | denied.
const redis_script& connect();

}  // namespace sg::account_scripts
