// Issue 13 item 3: /api/auth/verify is one EVALSHA on the session's key, answered from the copy
// of the user the session keeps, against a real redis-server.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "session-store/session_store.hpp"
#include "session-store/user_store.hpp"
#include "support/identities.hpp"
#include "support/redis_server.hpp"
#include "unit/recording_executor.hpp"

using namespace sg;
using namespace sg::test;

namespace {
external_identity person(const std::string& subject, const std::string& email, bool verified, bool trusted,
                         const std::string& username) {
  return make_identity("github", subject, email, verified, trusted, username);
}

// What one test needs: a real server, a pool, the stores over a recording pass-through.
struct fixture {
  scratch_dir dir;
  redis_server redis{dir.path()};
  redis_pool pool{redis_endpoint{"127.0.0.1", redis.port(), "", "", 0}, 2};
  recording_executor wire{pool};
  session_store sessions{wire, "sg:", {3600, 7200, 60}};
  user_store users{wire, "sg:"};
  redis_pool& admin() { return redis.client(); }
  long long ttl_of(const std::string& key) { return admin().command({"TTL", key}).integer; }
  std::string field(const std::string& key, const std::string& name) {
    return admin().command({"HGET", key, name}).text;
  }
};

using verbs = std::vector<std::vector<std::string>>;
}  // namespace

TEST_CASE("verify answers from the session in one EVALSHA: user id, username, vouched email, provider, handle",
          "[stores][verify]") {
  fixture f;
  auto octocat = sync_wait(f.users.provision(person("1", "octocat@example.com", true, true, "octocat"), "social")).user;
  auto squatter = sync_wait(f.users.provision(person("2", "victim@example.com", false, true, "squatter"), "social")).user;
  auto untrusted = sync_wait(f.users.provision(person("3", "cog@example.com", true, false, "cognito-user"), "social")).user;
  auto a = sync_wait(f.sessions.create(octocat.id, "github", "agent"));
  auto b = sync_wait(f.sessions.create(squatter.id, "google", "agent"));
  auto c = sync_wait(f.sessions.create(untrusted.id, "amazon-cognito", "agent"));

  REQUIRE(sync_wait(f.sessions.verify(c.secret)));  // Redis learns the script (EVALSHA, NOSCRIPT, EVAL)
  f.wire.clear();
  auto seen = sync_wait(f.sessions.verify(a.secret));
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});  // one round trip, one command
  REQUIRE(seen);
  CHECK(seen->user_id == octocat.id);
  CHECK(seen->username == "octocat");
  CHECK(seen->email == "octocat@example.com");
  CHECK(seen->email_vouched);
  CHECK(seen->provider == "github");
  CHECK(seen->handle == sha256_hex(a.secret));
  CHECK(seen->handle == a.record.handle);

  // An address not vouched for (unverified, or from an IdP not trusted for email) is never told.
  for (const auto* minted : {&b, &c}) {
    auto other = sync_wait(f.sessions.verify(minted->secret));
    REQUIRE(other);
    CHECK(other->email.empty());
    CHECK_FALSE(other->email_vouched);
    CHECK(f.field(f.sessions.key_for(minted->secret), "email").empty());  // not even stored in the session
  }
  CHECK(sync_wait(f.sessions.verify(b.secret))->username == "squatter");
  CHECK(sync_wait(f.sessions.verify(c.secret))->provider == "amazon-cognito");

  // Unknown secrets: one round trip too, and nothing.
  f.wire.clear();
  CHECK_FALSE(sync_wait(f.sessions.verify(random_token(32))));
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});
  // The lookup of every authenticated request is the same single EVALSHA.
  f.wire.clear();
  auto found = sync_wait(f.sessions.find(a.secret));
  REQUIRE(found);
  CHECK(found->user_id == octocat.id);
  CHECK(found->csrf_hash == sha256_hex(a.csrf_token));
  CHECK(found->user_agent == "agent");
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});
}

TEST_CASE("verify extends the idle expiry at most once a minute, within the absolute cap", "[stores][verify]") {
  fixture f;
  auto user = sync_wait(f.users.provision(person("1", "", false, false, "octocat"), "social")).user;
  auto s = sync_wait(f.sessions.create(user.id, "github", "agent"));
  auto key = f.sessions.key_for(s.secret);

  // Within the minute: no write.
  f.admin().command({"EXPIRE", key, "100"});
  auto seen_before = f.field(key, "seen");
  REQUIRE(sync_wait(f.sessions.verify(s.secret)));
  CHECK(f.ttl_of(key) <= 100);
  CHECK(f.field(key, "seen") == seen_before);

  // A minute later: extended to the idle expiry, and the extension is recorded.
  auto minute_ago = unix_now() - 61;
  f.admin().command({"HSET", key, "seen", std::to_string(minute_ago)});
  f.wire.clear();
  REQUIRE(sync_wait(f.sessions.verify(s.secret)));
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});  // the extension happens inside the same script
  CHECK(f.ttl_of(key) > 3500);
  CHECK(std::stoll(f.field(key, "seen")) >= minute_ago + 61);
  // The lookup of authenticated requests follows the same rule.
  f.admin().command({"HSET", key, "seen", std::to_string(minute_ago)});
  f.admin().command({"EXPIRE", key, "100"});
  REQUIRE(sync_wait(f.sessions.find(s.secret)));
  CHECK(f.ttl_of(key) > 3500);

  // Near the absolute cap, activity extends only up to the cap.
  f.admin().command({"HSET", key, "seen", std::to_string(minute_ago), "expires", std::to_string(unix_now() + 30)});
  REQUIRE(sync_wait(f.sessions.verify(s.secret)));
  CHECK(f.ttl_of(key) <= 30);
  CHECK(f.ttl_of(key) > 0);

  // Past the cap: no answer, and the session is gone from Redis and from the user's index.
  f.admin().command({"HSET", key, "expires", std::to_string(unix_now() - 1)});
  CHECK_FALSE(sync_wait(f.sessions.verify(s.secret)));
  CHECK(f.admin().command({"EXISTS", key}).integer == 0);
  CHECK(f.admin().command({"SISMEMBER", f.sessions.index_key(user.id), s.record.handle}).integer == 0);
}

TEST_CASE("verify refuses revoked sessions: logout, log out everywhere, revoke by handle", "[stores][verify]") {
  fixture f;
  auto user = sync_wait(f.users.provision(person("1", "", false, false, "octocat"), "social")).user;
  auto a = sync_wait(f.sessions.create(user.id, "github", "agent"));
  auto b = sync_wait(f.sessions.create(user.id, "github", "agent"));
  auto c = sync_wait(f.sessions.create(user.id, "github", "agent"));
  REQUIRE(sync_wait(f.sessions.verify(a.secret)));

  sync_wait(f.sessions.revoke(a.secret));
  CHECK_FALSE(sync_wait(f.sessions.verify(a.secret)));
  CHECK(sync_wait(f.sessions.verify(b.secret)));

  CHECK_FALSE(sync_wait(f.sessions.revoke_handle_of("someone-else", b.record.handle)));
  CHECK(sync_wait(f.sessions.verify(b.secret)));
  CHECK(sync_wait(f.sessions.revoke_handle_of(user.id, b.record.handle)));
  CHECK_FALSE(sync_wait(f.sessions.verify(b.secret)));
  CHECK(sync_wait(f.sessions.list(user.id)).size() == 1);

  auto d = sync_wait(f.sessions.create(user.id, "github", "agent"));
  sync_wait(f.sessions.revoke_all(user.id));
  CHECK_FALSE(sync_wait(f.sessions.verify(c.secret)));
  CHECK_FALSE(sync_wait(f.sessions.verify(d.secret)));
  CHECK(f.admin().command({"EXISTS", f.sessions.index_key(user.id)}).integer == 0);
  CHECK(f.admin().command({"EXISTS", f.sessions.view_stamp_key(user.id)}).integer == 0);
}

TEST_CASE("when the user changes, the next login updates what verify tells in every session of the user",
          "[stores][verify]") {
  fixture f;
  // First login: the address is not vouched for yet.
  auto identity = person("583231", "octocat@example.com", false, true, "octocat");
  auto first = sync_wait(f.users.provision(identity, "social"));
  auto a = sync_wait(f.sessions.create(first.user.id, "github", "laptop"));
  auto b = sync_wait(f.sessions.create(first.user.id, "github", "phone"));
  REQUIRE(sync_wait(f.sessions.verify(a.secret))->username == "octocat");
  CHECK_FALSE(sync_wait(f.sessions.verify(a.secret))->email_vouched);

  // The user record changes (here by hand, as an operator or `migrate-keys` would: nothing in a
  // login rewrites a user today); the sessions still tell the old copy.
  f.admin().command({"HSET", f.users.user_key(first.user.id), "username", "mona", "email_verified", "1"});
  CHECK(sync_wait(f.sessions.verify(a.secret))->username == "octocat");

  // A second login of the same person: its new session and both older ones tell the new user.
  auto second = sync_wait(f.users.provision(identity, "social"));
  REQUIRE(second.user.id == first.user.id);
  auto c = sync_wait(f.sessions.create(second.user.id, "github", "tablet"));
  for (const auto* minted : {&a, &b, &c}) {
    f.wire.clear();
    auto seen = sync_wait(f.sessions.verify(minted->secret));
    CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});
    REQUIRE(seen);
    CHECK(seen->username == "mona");
    CHECK(seen->email == "octocat@example.com");
    CHECK(seen->email_vouched);
    CHECK(seen->user_id == first.user.id);
  }

  // Each session was written on its own (one key per command); a login with nothing changed
  // writes no other session.
  f.wire.clear();
  auto d = sync_wait(f.sessions.create(second.user.id, "github", "desktop"));
  std::size_t evals = 0;
  for (const auto& batch : f.wire.batches)
    for (const auto& command : batch) evals += command.front().rfind("EVAL", 0) == 0;
  CHECK(evals == 0);
  CHECK(sync_wait(f.sessions.verify(d.secret))->username == "mona");

  // Whoever changes a user may also update the sessions at once.
  f.admin().command({"HSET", f.users.user_key(first.user.id), "email_trusted", "0"});
  sync_wait(f.sessions.update_user_fields(first.user.id));
  for (const auto* minted : {&a, &b, &c, &d}) {
    auto seen = sync_wait(f.sessions.verify(minted->secret));
    REQUIRE(seen);
    CHECK_FALSE(seen->email_vouched);
    CHECK(seen->email.empty());
  }

  // An update never brings back a session revoked meanwhile (still named by a stale index).
  f.admin().command({"DEL", f.sessions.key_for(a.secret)});
  sync_wait(f.sessions.update_user_fields(first.user.id));
  CHECK(f.admin().command({"EXISTS", f.sessions.key_for(a.secret)}).integer == 0);
  // Another user's sessions are never written, whatever an index says.
  auto other = sync_wait(f.users.provision(person("9", "", false, false, "someone"), "social")).user;
  auto theirs = sync_wait(f.sessions.create(other.id, "github", "agent"));
  f.admin().command({"SADD", f.sessions.index_key(first.user.id), theirs.record.handle});
  sync_wait(f.sessions.update_user_fields(first.user.id));
  CHECK(sync_wait(f.sessions.verify(theirs.secret))->username == "someone");
}

TEST_CASE("a session made before sessions kept their user: verify reads the user once, then answers alone",
          "[stores][verify]") {
  fixture f;
  auto user = sync_wait(f.users.provision(person("1", "octocat@example.com", true, true, "octocat"), "social")).user;
  auto s = sync_wait(f.sessions.create(user.id, "github", "agent"));
  auto key = f.sessions.key_for(s.secret);
  f.admin().command({"HDEL", key, "username", "email", "email_vouched"});  // what the old version stored

  auto first = sync_wait(f.sessions.verify(s.secret));
  REQUIRE(first);
  CHECK(first->username == "octocat");
  CHECK(first->email == "octocat@example.com");
  CHECK(f.field(key, "username") == "octocat");
  f.wire.clear();
  auto again = sync_wait(f.sessions.verify(s.secret));
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});
  REQUIRE(again);
  CHECK(again->email_vouched);

  // Such a session whose user is gone: 401 as before.
  auto orphan = sync_wait(f.sessions.create(user.id, "github", "agent"));
  f.admin().command({"HDEL", f.sessions.key_for(orphan.secret), "username", "email", "email_vouched"});
  f.admin().command({"DEL", f.users.user_key(user.id)});
  CHECK_FALSE(sync_wait(f.sessions.verify(orphan.secret)));
  // One that kept its copy still answers (verify reads the session alone; /api/users/self reads
  // the user and answers 401).
  CHECK(sync_wait(f.sessions.verify(s.secret)));
  CHECK_FALSE(sync_wait(f.users.find(user.id)));
}

TEST_CASE("Redis forgot the scripts (SCRIPT FLUSH): every store sends the script again and works", "[stores][verify]") {
  fixture f;
  auto user = sync_wait(f.users.provision(person("1", "octocat@example.com", true, true, "octocat"), "social")).user;
  auto s = sync_wait(f.sessions.create(user.id, "github", "agent"));
  REQUIRE(sync_wait(f.sessions.verify(s.secret)));

  f.admin().command({"SCRIPT", "FLUSH"});
  f.wire.clear();
  auto seen = sync_wait(f.sessions.verify(s.secret));
  REQUIRE(seen);
  CHECK(seen->username == "octocat");
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}, {"EVAL"}});  // NOSCRIPT, then the text once
  f.wire.clear();
  REQUIRE(sync_wait(f.sessions.verify(s.secret)));
  CHECK(f.wire.verbs() == verbs{{"EVALSHA"}});  // loaded again by that EVAL

  f.admin().command({"SCRIPT", "FLUSH"});
  CHECK(sync_wait(f.users.provision(person("1", "octocat@example.com", true, true, "octocat"), "social")).user.id ==
        user.id);
  CHECK(sync_wait(f.users.provision(person("2", "", false, false, "second-user"), "social")).created);
  CHECK(sync_wait(f.sessions.find(s.secret)));
}
