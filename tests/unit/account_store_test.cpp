// Issue 9 (identity integrity), the account layer: the provisioning and link scripts against a
// real redis-server. Every test here failed against the old user store (a recursion that
// overflowed the stack, half-made users, counter ids, unverified squatting, email takeover).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "session-store/key_migration.hpp"
#include "session-store/user_store.hpp"
#include "support/redis_server.hpp"

using namespace sg;
using namespace sg::test;

namespace {
struct claims {
  std::string email;
  bool verified = false;
  bool trusted = false;
  std::string username;
};

external_identity person(const std::string& provider, const std::string& subject, const claims& c = {}) {
  external_identity id;
  id.provider = provider;
  id.subject = subject;
  id.email = c.email;
  id.email_verified = c.verified;
  id.email_trusted = c.trusted;
  id.preferred_username = c.username;
  return id;
}

// Every key in the server (tests only: KEYS is fine on a few keys).
std::vector<std::string> all_keys(redis_pool& redis) {
  std::vector<std::string> out;
  for (const auto& k : redis.command({"KEYS", "*"}).elements) out.push_back(k.text);
  std::sort(out.begin(), out.end());
  return out;
}

long user_count(redis_pool& redis) {
  return static_cast<long>(redis.command({"KEYS", "{sg:acct}:user:*"}).elements.size());
}

redis_pool pool_for(redis_server& redis, const std::string& user = "", const std::string& password = "") {
  return redis_pool(redis_endpoint{"127.0.0.1", redis.port(), user, password, 0}, 4);
}
}  // namespace

TEST_CASE("a user record deleted by an operator: the next login of that identity makes a user and never recurses",
          "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto octocat = person("github", "583231", {"octocat@example.com", true, true, "octocat"});
  auto first = sync_wait(users.provision(octocat, "social"));
  REQUIRE(first.created);

  // The identity, email and username claims all name a user that is gone.
  redis.client().command({"DEL", users.user_key(first.user.id)});
  auto second = sync_wait(users.provision(octocat, "social"));
  CHECK(second.created);
  CHECK(second.user.id != first.user.id);
  CHECK(second.user.username == "octocat");  // the dangling username claim was reclaimed
  CHECK(pool.command({"GET", users.identity_key("github", "583231")}).text == second.user.id);
  CHECK(pool.command({"GET", users.email_key("octocat@example.com")}).text == second.user.id);
  CHECK(sync_wait(users.provision(octocat, "social")).user.id == second.user.id);
}

TEST_CASE("an email claim naming a missing user is reclaimed by the next verified owner", "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto gone = sync_wait(users.provision(person("github", "1", {"alice@example.com", true, true, "alice"}), "social"));
  redis.client().command({"DEL", users.user_key(gone.user.id), users.identity_key("github", "1")});

  auto google = sync_wait(users.provision(person("google", "sub-1", {"alice@example.com", true, true, ""}), "social"));
  CHECK(google.created);
  CHECK_FALSE(google.joined);
  CHECK(pool.command({"GET", users.email_key("alice@example.com")}).text == google.user.id);
  // The same holds for an address that may not claim: the stale claim is removed, not followed.
  redis.client().command({"DEL", users.user_key(google.user.id)});
  auto unverified = sync_wait(users.provision(person("github", "2", {"alice@example.com", false, true, "alice2"}), "social"));
  CHECK(unverified.created);
  CHECK(pool.command({"EXISTS", users.email_key("alice@example.com")}).integer == 0);
}

TEST_CASE("a Redis ACL that forbids one write leaves no partial user and the same login works once allowed",
          "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  for (const char* forbidden : {"sadd", "hset"}) {
    INFO(forbidden);
    redis.client().command({"FLUSHALL"});
    redis.client().command({"ACL", "SETUSER", "sg", "reset", "on", ">pw", "~*", "&*", "+@all",
                            std::string("-") + forbidden});
    auto pool = pool_for(redis, "sg", "pw");
    user_store users(pool, "sg:");
    auto octocat = person("github", "583231", {"octocat@example.com", true, true, "octocat"});
    CHECK_THROWS_AS(sync_wait(users.provision(octocat, "social")), redis_command_error);
    CHECK(all_keys(redis.client()).empty());  // no identity, email or username claim, no user hash

    redis.client().command({"ACL", "SETUSER", "sg", std::string("+") + forbidden});
    auto made = sync_wait(users.provision(octocat, "social"));
    CHECK(made.created);
    CHECK(made.user.username == "octocat");
    CHECK(all_keys(redis.client()).size() == 5);  // user, user-identities, identity, email, username
  }

  SECTION("linking (connect) is all or nothing too") {
    auto pool = pool_for(redis, "sg", "pw");
    user_store users(pool, "sg:");
    auto owner = sync_wait(users.provision(person("github", "583231"), "social")).user.id;
    auto before = all_keys(redis.client());
    redis.client().command({"ACL", "SETUSER", "sg", "-set"});
    CHECK_THROWS_AS(sync_wait(users.connect(person("google", "sub-9"), owner)), redis_command_error);
    CHECK(all_keys(redis.client()) == before);
    CHECK(sync_wait(users.find(owner))->identities.size() == 1);
    redis.client().command({"ACL", "SETUSER", "sg", "+set"});
    CHECK(sync_wait(users.connect(person("google", "sub-9"), owner)).identities.size() == 2);
  }
}

TEST_CASE("Redis out of memory refuses the provisioning script whole and nothing is written", "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  redis.client().command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  redis.client().command({"CONFIG", "SET", "maxmemory", "1"});
  CHECK_THROWS(sync_wait(users.provision(person("github", "7", {"x@example.com", true, true, "someone"}), "social")));
  redis.client().command({"CONFIG", "SET", "maxmemory", "0"});
  CHECK(all_keys(redis.client()).empty());
  CHECK(sync_wait(users.provision(person("github", "7", {"x@example.com", true, true, "someone"}), "social")).created);
}

TEST_CASE("two concurrent first logins of the same identity end in one user", "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  redis_pool pool(redis_endpoint{"127.0.0.1", redis.port(), "", "", 0}, 8);
  user_store users(pool, "sg:");
  for (int round = 0; round < 5; ++round) {
    auto subject = std::to_string(100 + round);
    std::vector<std::string> ids(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < ids.size(); ++i)
      threads.emplace_back([&, i] {
        // The same person twice over, and other identities with the same verified address.
        auto who = i % 2 == 0 ? person("github", subject, {"p" + subject + "@example.com", true, true, ""})
                              : person("google", "sub-" + subject + "-" + std::to_string(i), {"p" + subject + "@example.com", true, true, ""});
        ids[i] = sync_wait(users.provision(who, "social")).user.id;
      });
    for (auto& t : threads) t.join();
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
    CHECK(user_count(pool) == round + 1);
    CHECK(sync_wait(users.find(ids[0]))->identities.size() == 5);  // github:<subject> and four google subjects
  }
}

TEST_CASE("user ids are random 64-bit decimal strings and never reissued after FLUSHALL", "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto first = sync_wait(users.provision(person("github", "1", {"", false, false, "first-user"}), "social")).user.id;
  redis.client().command({"FLUSHALL"});
  auto second = sync_wait(users.provision(person("github", "2", {"", false, false, "other-user"}), "social")).user.id;
  CHECK(second != first);
  CHECK(pool.command({"EXISTS", "sg:user-seq"}).integer == 0);

  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(new_user_id());
  CHECK(seen.size() == 200);
  bool beyond_53_bits = false;
  for (const auto& id : seen) {
    INFO(id);
    CHECK(std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }));
    CHECK(id.size() <= 20);
    CHECK(id[0] != '0');
    beyond_53_bits = beyond_53_bits || std::stoull(id) > (1ULL << 53);
  }
  CHECK(beyond_53_bits);  // 64 bits drawn, not a small counter
}

TEST_CASE("an unverified address reserves nothing: the verified owner signs up later with a user of their own",
          "[accounts][integrity][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto squatter = sync_wait(users.provision(person("google", "sub-66", {"victim@example.com", false, true, "squatter"}), "social"));
  CHECK(squatter.created);
  CHECK(pool.command({"EXISTS", users.email_key("victim@example.com")}).integer == 0);
  // So does an address from an IdP not trusted for email, verified or not.
  auto untrusted = sync_wait(users.provision(person("amazon-cognito", "c-1", {"victim@example.com", true, false, "cog"}), "social"));
  CHECK(untrusted.created);
  CHECK(pool.command({"EXISTS", users.email_key("victim@example.com")}).integer == 0);

  auto victim = sync_wait(users.provision(person("github", "10", {"VICTIM@example.com", true, true, "victim"}), "social"));
  CHECK(victim.created);
  CHECK_FALSE(victim.joined);
  CHECK(victim.user.id != squatter.user.id);
  CHECK(victim.user.id != untrusted.user.id);
  CHECK(victim.user.email_vouched());
  CHECK_FALSE(sync_wait(users.find(squatter.user.id))->email_vouched());
  CHECK(pool.command({"GET", users.email_key("victim@example.com")}).text == victim.user.id);
}

TEST_CASE("a verified address joins an existing user only from an IdP trusted for email", "[accounts][integrity][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto alice = sync_wait(users.provision(person("github", "1", {"alice@example.com", true, true, "alice-gh"}), "social"));
  REQUIRE(alice.created);

  for (const char* address : {"alice@example.com", "ALICE@EXAMPLE.COM", "Alice@example.com"}) {
    INFO(address);
    // A verified claim from an untrusted IdP (Cognito by default, auth_config.yml IdPs): refused,
    // with a message that never names the provider the account uses.
    try {
      sync_wait(users.provision(person("oidc/corp", std::string("corp-") + address, {address, true, false, ""}), "sso"));
      FAIL("an untrusted IdP's verified address joined an existing user");
    } catch (const account_conflict& e) {
      std::string text = e.what();
      CHECK(text.find("An account with this email address already exists") != std::string::npos);
      CHECK(text.find("link this provider") != std::string::npos);
      CHECK(text.find("GitHub") == std::string::npos);
      CHECK(text.find("github") == std::string::npos);
    }
    CHECK(pool.command({"EXISTS", users.identity_key("oidc/corp", std::string("corp-") + address)}).integer == 0);
    // An unverified claim from a trusted IdP: refused too.
    CHECK_THROWS_AS(sync_wait(users.provision(person("google", std::string("u-") + address, {address, false, true, ""}), "social")),
                    account_conflict);
  }
  CHECK(user_count(pool) == 1);

  // A trusted IdP's verified address (any case) joins.
  auto google = sync_wait(users.provision(person("google", "sub-1", {"Alice@Example.com", true, true, ""}), "social"));
  CHECK(google.joined);
  CHECK(google.user.id == alice.user.id);
  auto cognito_trusted = sync_wait(users.provision(person("amazon-cognito", "c-1", {"alice@example.com", true, true, ""}), "social"));
  CHECK(cognito_trusted.joined);
  CHECK(sync_wait(users.find(alice.user.id))->identities.size() == 3);
}

TEST_CASE("an existing user whose address is not vouched for is never joined and never blocks", "[accounts][integrity][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  // An email claim left by the old code for an unverified user: it reserves nothing.
  auto bob = sync_wait(users.provision(person("github", "b1", {"bob@example.com", false, true, "bobby"}), "social"));
  redis.client().command({"SET", users.email_key("bob@example.com"), bob.user.id});
  auto verified = sync_wait(users.provision(person("google", "g-bob", {"bob@example.com", true, true, ""}), "social"));
  CHECK(verified.created);
  CHECK(verified.user.id != bob.user.id);
  CHECK(sync_wait(users.find(bob.user.id))->identities.size() == 1);
  CHECK(pool.command({"GET", users.email_key("bob@example.com")}).text == verified.user.id);
}

TEST_CASE("reserved usernames are never claimed as is and get a suffix", "[accounts][integrity][security]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  for (const char* name : {"admin", "Administrator", "ROOT", "support", "security", "socialgate"}) {
    INFO(name);
    auto made = sync_wait(users.provision(person("github", std::string("r-") + name, {"", false, false, name}), "social")).user;
    auto lower = lower_ascii(made.username);
    CHECK(lower != lower_ascii(name));
    CHECK(lower.rfind(lower_ascii(name) + "_", 0) == 0);
    CHECK(pool.command({"EXISTS", users.username_key(name)}).integer == 0);
  }
}

TEST_CASE("connect: links to the signed-in user, refuses another user's identity, reclaims a dangling one",
          "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto alice = sync_wait(users.provision(person("github", "1", {"", false, false, "alice-gh"}), "social")).user.id;
  auto carol = sync_wait(users.provision(person("github", "3", {"", false, false, "carol-gh"}), "social")).user.id;

  CHECK(sync_wait(users.connect(person("google", "a"), alice)).identities.size() == 2);
  CHECK(sync_wait(users.connect(person("google", "a"), alice)).identities.size() == 2);  // idempotent
  CHECK_THROWS_AS(sync_wait(users.connect(person("github", "1"), carol)), account_conflict);
  CHECK(pool.command({"GET", users.identity_key("github", "1")}).text == alice);

  // The identity's user was deleted by an operator: the claim is taken over, not refused.
  auto dave = sync_wait(users.provision(person("github", "4", {"", false, false, "dave-gh"}), "social")).user.id;
  redis.client().command({"DEL", users.user_key(dave)});
  CHECK(sync_wait(users.connect(person("github", "4"), carol)).identities.size() == 2);
  CHECK(pool.command({"GET", users.identity_key("github", "4")}).text == carol);

  CHECK_THROWS_AS(sync_wait(users.connect(person("google", "z"), "12345")), account_conflict);  // no such user
  CHECK(pool.command({"EXISTS", users.identity_key("google", "z")}).integer == 0);
}

TEST_CASE("every account key shares the hash tag of the prefix", "[accounts][integrity]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  user_store users(pool, "sg:");
  auto id = sync_wait(users.provision(person("github", "1", {"a@example.com", true, true, "alice-gh"}), "social")).user.id;
  sync_wait(users.connect(person("google", "g"), id));
  auto keys = all_keys(redis.client());
  REQUIRE(keys.size() == 6);  // user, user-identities, two identities, email, username
  for (const auto& key : keys) {
    INFO(key);
    CHECK(key.rfind("{sg:acct}:", 0) == 0);
  }
  CHECK(users.user_key(id) == "{sg:acct}:user:" + id);
}

TEST_CASE("old-layout keys are found and migrate-keys moves them keeping ids", "[accounts][migration]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  // Sessions keep their layout and never count as old account keys.
  pool.command({"SADD", "sg:user-sessions:5", "h"});
  pool.command({"HSET", "sg:session:abc", "user", "5"});
  CHECK_FALSE(sync_wait(find_old_layout_key(pool, "sg:")));

  pool.command({"HSET", "sg:user:5", "username", "octocat", "email", "octocat@example.com", "email_verified", "1",
                "created_via", "social", "created", "1"});
  pool.command({"SADD", "sg:user-identities:5", "github:583231"});
  pool.command({"SET", "sg:identity:github:583231", "5"});
  pool.command({"SET", "sg:email:octocat@example.com", "5"});
  pool.command({"SET", "sg:username:octocat", "5"});
  CHECK(sync_wait(find_old_layout_key(pool, "sg:")).has_value());
  pool.command({"SET", "sg:user-seq", "5"});
  CHECK(sync_wait(find_old_layout_key(pool, "sg:")) == std::optional<std::string>("sg:user-seq"));

  auto report = migrate_keys(pool, "sg:");
  CHECK(report.moved["user"] == 1);
  CHECK(report.moved["identity"] == 1);
  CHECK(report.moved["email"] == 1);
  CHECK(report.moved["username"] == 1);
  CHECK(report.moved["user-identities"] == 1);
  CHECK(report.sequence_removed);
  CHECK(report.users_marked_trusted == 1);  // only GitHub identities
  CHECK_FALSE(sync_wait(find_old_layout_key(pool, "sg:")));
  CHECK(pool.command({"EXISTS", "sg:user-sessions:5"}).integer == 1);

  auto again = migrate_keys(pool, "sg:");  // idempotent
  CHECK(again.moved.empty());
  CHECK(again.left_in_place == 0);

  user_store users(pool, "sg:");
  auto back = sync_wait(users.provision(person("github", "583231", {"octocat@example.com", true, true, "octocat"}), "social"));
  CHECK_FALSE(back.created);
  CHECK(back.user.id == "5");
  CHECK(back.user.email_vouched());
}

TEST_CASE("a store told to check the key layout refuses account writes while old keys exist", "[accounts][migration]") {
  scratch_dir dir;
  redis_server redis(dir.path());
  auto pool = pool_for(redis);
  pool.command({"SET", "sg:identity:github:1", "5"});
  pool.command({"HSET", "sg:user:5", "username", "octocat"});
  user_store users(pool, "sg:");
  users.check_key_layout_before_writing();
  CHECK_THROWS_AS(sync_wait(users.provision(person("github", "1"), "social")), redis_unavailable);
  CHECK_THROWS_AS(sync_wait(users.connect(person("github", "2"), "5")), redis_unavailable);
  CHECK(pool.command({"KEYS", "{sg:acct}:*"}).elements.empty());

  migrate_keys(pool, "sg:");
  auto back = sync_wait(users.provision(person("github", "1"), "social"));
  CHECK_FALSE(back.created);
  CHECK(back.user.id == "5");
}
