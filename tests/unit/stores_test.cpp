// The Redis stores against a real redis-server.
#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "session-store/flow_store.hpp"
#include "session-store/redis_version.hpp"
#include "session-store/session_store.hpp"
#include "session-store/user_store.hpp"
#include "support/identities.hpp"
#include "support/redis_server.hpp"

using namespace sg;
using namespace sg::test;

namespace {
// The IdPs of these tests are trusted for email (as GitHub and Google are); account_store_test
// covers untrusted ones.
external_identity identity(const std::string& provider, const std::string& subject, const std::string& email,
                           bool verified, const std::string& username = "") {
  return make_identity(provider, subject, email, verified, true, username);
}
}  // namespace

TEST_CASE("a flow record is consumed once under a hashed key with a TTL", "[stores][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  redis_pool pool(redis_endpoint{"127.0.0.1", redis.port(), "", "", 0}, 2);
  flow_store flows(pool, "sg:", 600);
  flow_record record;
  record.provider = "github";
  record.code_verifier = "verifier";
  record.binding_hash = sha256_hex("the-browser");
  record.created_at = unix_now();
  sync_wait(flows.put("the-state", record));
  auto key = flows.key_for("the-state");
  CHECK(key == "sg:flow:" + sha256_hex("the-state"));
  auto ttl = redis.client().command({"TTL", key}).integer;
  CHECK(ttl > 590);
  CHECK(ttl <= 600);
  auto first = sync_wait(flows.consume_for("the-state", sha256_hex("the-browser"), "github"));
  REQUIRE(first.status == flow_claim_status::consumed);
  REQUIRE(first.record);
  CHECK(first.record->code_verifier == "verifier");
  CHECK(sync_wait(flows.consume_for("the-state", sha256_hex("the-browser"), "github")).status == flow_claim_status::missing);
  CHECK(redis.client().command({"EXISTS", key}).integer == 0);
}

TEST_CASE("sessions: hashed keys and idle extension at most once a minute and a per-user index", "[stores][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  redis_pool pool(redis_endpoint{"127.0.0.1", redis.port(), "", "", 0}, 2);
  session_store sessions(pool, "sg:", {3600, 7200, 60});
  auto a = sync_wait(sessions.create("7", "github", "agent"));
  auto b = sync_wait(sessions.create("7", "github", "agent"));
  CHECK(a.secret != b.secret);
  CHECK(redis.client().command({"EXISTS", "sg:session:" + a.secret}).integer == 0);
  CHECK(redis.client().command({"EXISTS", sessions.key_for(a.secret)}).integer == 1);
  CHECK(redis.client().command({"SCARD", sessions.index_key("7")}).integer == 2);

  // A lookup within the minute does not write; one after it extends the idle expiry.
  redis.client().command({"EXPIRE", sessions.key_for(a.secret), "100"});
  REQUIRE(sync_wait(sessions.find(a.secret)));
  CHECK(redis.client().command({"TTL", sessions.key_for(a.secret)}).integer <= 100);
  redis.client().command({"HSET", sessions.key_for(a.secret), "seen", std::to_string(unix_now() - 61)});
  REQUIRE(sync_wait(sessions.find(a.secret)));
  CHECK(redis.client().command({"TTL", sessions.key_for(a.secret)}).integer > 3500);

  // The absolute cap wins over activity.
  redis.client().command({"HSET", sessions.key_for(b.secret), "expires", std::to_string(unix_now() - 1)});
  CHECK_FALSE(sync_wait(sessions.find(b.secret)));
  CHECK(redis.client().command({"EXISTS", sessions.key_for(b.secret)}).integer == 0);

  auto c = sync_wait(sessions.create("7", "github", "agent"));
  sync_wait(sessions.revoke_all("7"));
  CHECK_FALSE(sync_wait(sessions.find(a.secret)));
  CHECK_FALSE(sync_wait(sessions.find(c.secret)));
  CHECK(redis.client().command({"EXISTS", sessions.index_key("7")}).integer == 0);
}

TEST_CASE("account rules: keyed by identity and joined by email only when both sides are verified", "[stores][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  redis_pool pool(redis_endpoint{"127.0.0.1", redis.port(), "", "", 0}, 2);
  user_store users(pool, "sg:");

  auto alice = sync_wait(users.provision(identity("github", "1", "alice@example.com", true, "alice-gh"), "social"));
  CHECK(alice.created);
  CHECK(alice.user.username == "alice-gh");
  auto again = sync_wait(users.provision(identity("github", "1", "changed@example.com", true, "renamed"), "social"));
  CHECK_FALSE(again.created);
  CHECK(again.user.id == alice.user.id);

  SECTION("a verified email on both sides joins the existing user") {
    auto joined = sync_wait(users.provision(identity("other", "x", "ALICE@example.com", true), "social"));
    CHECK(joined.joined);
    CHECK(joined.user.id == alice.user.id);
    CHECK(joined.user.identities.size() == 2);
  }
  SECTION("an unverified email at the IdP never joins, and is refused") {
    CHECK_THROWS_AS(sync_wait(users.provision(identity("other", "y", "alice@example.com", false), "social")), account_conflict);
    CHECK(pool.command({"EXISTS", users.identity_key("other", "y")}).integer == 0);
  }
  SECTION("an existing user whose email is unverified is never joined") {
    // Issue 9: the unverified address reserves nothing, so the verified owner gets a user of
    // their own (the old code answered account_conflict for good).
    auto bob = sync_wait(users.provision(identity("other", "b1", "bob@example.com", false, "bobby"), "social"));
    auto owner = sync_wait(users.provision(identity("github", "2", "bob@example.com", true), "social"));
    CHECK(owner.created);
    CHECK(owner.user.id != bob.user.id);
    CHECK(sync_wait(users.find(bob.user.id))->identities.size() == 1);
  }
  SECTION("a taken or short username gets a random suffix") {
    auto other = sync_wait(users.provision(identity("other", "z", "", false, "alice-gh"), "social"));
    CHECK(other.user.id != alice.user.id);
    CHECK(other.user.username.rfind("alice-gh_", 0) == 0);
    auto shorty = sync_wait(users.provision(identity("other", "s", "", false, "bob"), "social"));
    CHECK(shorty.user.username.rfind("bob_", 0) == 0);
  }
}

// Issue 12: CVAT before 2.10 runs Redis 4 (cvat_redis); socialgate needs 6.2 or newer and says so
// at start. The real redis-server here is 7; the older versions are the INFO lines they print.
TEST_CASE("the Redis version check accepts this Redis and refuses one older than 6.2", "[stores][config]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto here = judge_redis_version(redis.client().command({"INFO", "server"}).text);
  REQUIRE(here);
  CHECK(here->supported);
  CHECK(here->version.rfind("7.", 0) == 0);

  auto old = judge_redis_version("# Server\r\nredis_version:4.0.14\r\nredis_git_sha1:00000000\r\n");
  REQUIRE(old);
  CHECK_FALSE(old->supported);
  CHECK(old->version == "4.0.14");
  CHECK_FALSE(judge_redis_version("redis_version:6.0.16\r\n")->supported);
  CHECK(judge_redis_version("redis_version:6.2.0\r\n")->supported);
  CHECK(judge_redis_version("redis_version:10.0.0")->supported);
  CHECK_FALSE(judge_redis_version("# Server\r\nos:Linux\r\n"));  // no version: the check is skipped
  CHECK_FALSE(judge_redis_version("redis_version:unknown\r\n"));
}
