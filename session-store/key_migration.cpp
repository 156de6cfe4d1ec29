#include "session-store/key_migration.hpp"

#include "session-store/user_store.hpp"

namespace sg {
namespace {
// Account kinds of the old layout: "<prefix><kind>:<rest>". `user-sessions:` is a session key
// (not moved), so "user:" must match exactly.
constexpr const char* old_kinds[] = {"user", "identity", "email", "username", "user-identities"};

struct old_key {
  std::string kind;  // one of old_kinds, or "user-seq"
  std::string rest;  // what follows "<prefix><kind>:"
};

std::optional<old_key> classify(const std::string& key, const std::string& prefix) {
  if (key.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  auto tail = key.substr(prefix.size());
  if (tail == "user-seq") return old_key{"user-seq", ""};
  for (const char* kind : old_kinds) {
    std::string head = std::string(kind) + ":";
    if (tail.compare(0, head.size(), head) == 0) return old_key{kind, tail.substr(head.size())};
  }
  return std::nullopt;
}

std::string glob_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// One SCAN step in small counts, so a large keyspace (sessions, flows) never blocks the server.
struct scan_page {
  std::string next_cursor;  // "0" after the last page
  std::vector<std::string> keys;
};

task<scan_page> scan_step(redis_executor& redis, std::string cursor, std::string prefix) {
  redis_command_args scan{"SCAN", std::move(cursor), "MATCH", glob_escape(prefix) + "*", "COUNT", "500"};
  auto reply = co_await redis.exec(std::move(scan));
  if (reply.elements.size() != 2) throw redis_command_error("unexpected SCAN reply");
  scan_page page{reply.elements[0].text, {}};
  for (const auto& key : reply.elements[1].elements) page.keys.push_back(key.text);
  co_return page;
}
}  // namespace

task<std::optional<std::string>> find_old_layout_key(redis_executor& redis, std::string prefix) {
  // Every old deployment that ever made a user has the sequence: one cheap look first.
  redis_command_args sequence{"EXISTS", prefix + "user-seq"};
  if ((co_await redis.exec(std::move(sequence))).integer == 1) co_return prefix + "user-seq";
  std::string cursor = "0";
  do {
    auto page = co_await scan_step(redis, cursor, prefix);
    for (const auto& key : page.keys)
      if (auto found = classify(key, prefix)) co_return prefix + found->kind + ":*";
    cursor = std::move(page.next_cursor);
  } while (cursor != "0");
  co_return std::nullopt;
}

namespace {
task<redis_value> one_command(redis_executor& redis, redis_command_args args) {
  co_return co_await redis.exec(std::move(args));
}
// Blocking: the migration runs on a blocking executor (redis_pool, blocking_redis).
redis_value run(redis_executor& redis, redis_command_args args) { return sync_wait(one_command(redis, std::move(args))); }
}  // namespace

migration_report migrate_keys(redis_executor& redis, const std::string& prefix) {
  migration_report report;
  const auto target = account_key_prefix(prefix);
  std::vector<std::string> moved_users;
  std::string cursor = "0";
  do {
    auto page = sync_wait(scan_step(redis, cursor, prefix));
    for (const auto& name : page.keys) {
      auto key = classify(name, prefix);
      if (!key) continue;
      if (key->kind == "user-seq") {
        report.sequence_removed = run(redis, {"DEL", name}).integer == 1 || report.sequence_removed;
        continue;
      }
      if (key->kind == "user") moved_users.push_back(key->rest);
      auto done = run(redis, {"RENAMENX", name, target + key->kind + ":" + key->rest}).integer == 1;
      if (done) ++report.moved[key->kind];
      else ++report.left_in_place;
    }
    cursor = std::move(page.next_cursor);
  } while (cursor != "0");
  // The old layout had no email_trusted: the old code joined on any verified address, and only
  // GitHub and Google are trusted by default, so a user is vouched for only when every identity
  // it has comes from one of them. (Sessions of the old version carry no copy of the user:
  // verify reads the user once for each of them, after this, and stores what it read.)
  user_store users(redis, prefix);
  for (const auto& id : moved_users) {
    auto user = sync_wait(users.find(id));
    if (!user || run(redis, {"HEXISTS", users.user_key(id), "email_trusted"}).integer == 1) continue;
    bool trusted = user->email_verified && !user->identities.empty();
    for (const auto& identity : user->identities)
      if (identity.rfind("github:", 0) != 0 && identity.rfind("google:", 0) != 0) trusted = false;
    run(redis, {"HSET", users.user_key(id), "email_trusted", trusted ? "1" : "0"});
    if (trusted) ++report.users_marked_trusted;
  }
  return report;
}

}  // namespace sg
