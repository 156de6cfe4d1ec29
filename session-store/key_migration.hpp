#pragma once
// Account keys moved under one hash tag (`{<prefix>acct}:...`, issue 9). Keys of the old layout
// (`<prefix>user:<id>`, `identity:`, `email:`, `username:`, `user-identities:`, `user-seq`) are
// found at start-up, which then refuses to run (a replica reading the new layout would make a
// second user for every old identity); `socialgate migrate-keys` moves them.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"
#include "session-store/redis_executor.hpp"

namespace sg {

// The kind of old-layout account key found first (e.g. "sg:email:*"), or nullopt when none.
// Never returns the key itself: it may hold an email address. Asynchronous: the user store
// looks before its first account write when start-up could not (command-line tools and
// start-up run it on a redis_pool through sync_wait).
task<std::optional<std::string>> find_old_layout_key(redis_executor& redis, std::string prefix);

struct migration_report {
  std::map<std::string, long> moved;        // by kind ("user", "identity", ...)
  long left_in_place = 0;                   // the new name already existed: nothing overwritten
  bool sequence_removed = false;            // `user-seq`: ids are random now
  long users_marked_trusted = 0;            // email_trusted set from the user's identities
};

// Renames every old-layout account key into the new layout, keeping user ids; idempotent.
// Blocking (`redis` completes inline: redis_pool or blocking_redis): `socialgate migrate-keys`,
// run with every replica stopped. Standalone and Sentinel only: RENAMENX cannot cross Cluster
// slots (and no Cluster ever held the old layout, whose scripts spanned slots).
migration_report migrate_keys(redis_executor& redis, const std::string& prefix);

}  // namespace sg
