#include "support/store_workload.hpp"

#include <catch2/catch.hpp>

#include "core/crypto.hpp"
#include "session-store/flow_store.hpp"
#include "session-store/login_code_store.hpp"
#include "session-store/rate_limiter.hpp"
#include "session-store/session_store.hpp"
#include "session-store/user_store.hpp"
#include "support/identities.hpp"
#include "support/redis_test_loop.hpp"

namespace sg::test {
namespace {

external_identity person(const std::string& provider, const std::string& subject, const std::string& email,
                         bool verified, const std::string& username) {
  return make_identity(provider, subject, email, verified, true, username);
}

redis_value command(redis_executor& redis, redis_command_args args) { return sync_wait(exec(redis, std::move(args))); }

}  // namespace

std::string run_every_store_operation(redis_executor& redis) {
  flow_store flows(redis, "sg:", 600, {3, 100});
  flow_store capped(redis, "sg:", 600, {20, 1});
  login_code_store codes(redis, "sg:", 60);
  session_store sessions(redis, "sg:", {3600, 7200, 60});
  user_store users(redis, "sg:");
  rate_limiter limiter(redis, "sg:", {{"login", 1, 60}});

  auto browser = sha256_hex("browser");
  flow_record record;
  record.provider = "github";
  record.binding_hash = browser;
  record.created_at = unix_now();
  for (int i = 0; i < 5; ++i) REQUIRE(sync_wait(flows.put("state-" + std::to_string(i), record, "192.0.2.1")) == flow_put_result::stored);
  CHECK(sync_wait(flows.consume_for("state-4", sha256_hex("another"), "github")).status == flow_claim_status::other_browser);
  CHECK(sync_wait(flows.consume_for("state-4", browser, "google")).status == flow_claim_status::other_provider);
  CHECK(sync_wait(flows.consume_for("state-4", browser, "github")).status == flow_claim_status::consumed);
  REQUIRE(sync_wait(flows.put("state-5", record, "192.0.2.1")) == flow_put_result::stored);
  CHECK(sync_wait(capped.put("state-6", record, "192.0.2.9")) == flow_put_result::stored);
  CHECK(sync_wait(capped.put("state-7", record, "192.0.2.9")) == flow_put_result::address_limit);
  CHECK(sync_wait(flows.totals()).started == 7);

  auto code = sync_wait(codes.issue({"github", "42", "", browser}));
  CHECK(sync_wait(codes.redeem_for(code, sha256_hex("another"), "github")).status == login_code_status::other_browser);
  CHECK(sync_wait(codes.redeem_for(code, browser, "github")).status == login_code_status::redeemed);

  CHECK(sync_wait(limiter.check("login", "192.0.2.1")).allowed);
  CHECK_FALSE(sync_wait(limiter.check("login", "192.0.2.1")).allowed);

  users.check_key_layout_before_writing();
  auto alice = sync_wait(users.provision(person("github", "1", "alice@example.com", true, "alice-gh"), "social"));
  CHECK(alice.created);
  CHECK(sync_wait(users.provision(person("github", "1", "alice@example.com", true, "alice-gh"), "social")).user.id == alice.user.id);
  CHECK(sync_wait(users.provision(person("google", "g", "alice@example.com", true, ""), "social")).joined);
  CHECK_THROWS_AS(sync_wait(users.provision(person("other", "o", "alice@example.com", false, ""), "social")),
                  account_conflict);
  CHECK(sync_wait(users.connect(person("gitlab", "7", "", false, ""), alice.user.id)).identities.size() == 3);
  CHECK_THROWS_AS(sync_wait(users.connect(person("gitlab", "8", "", false, ""), "12345")), account_conflict);

  auto a = sync_wait(sessions.create(alice.user.id, "github", "agent"));
  auto b = sync_wait(sessions.create(alice.user.id, "google", "agent"));
  command(redis, {"HSET", users.user_key(alice.user.id), "username", "alice-renamed"});
  auto c = sync_wait(sessions.create(alice.user.id, "github", "agent"));  // spreads the new copy
  CHECK(sync_wait(sessions.verify(a.secret))->username == "alice-renamed");
  command(redis, {"HSET", sessions.key_for(b.secret), "seen", "1"});
  CHECK(sync_wait(sessions.find(b.secret)));  // touched
  command(redis, {"HDEL", sessions.key_for(b.secret), "username"});
  CHECK(sync_wait(sessions.verify(b.secret)));  // an old session: reads the user, keeps the copy
  sync_wait(sessions.update_user_fields(alice.user.id));
  CHECK(sync_wait(sessions.list(alice.user.id)).size() == 3);
  command(redis, {"HSET", sessions.key_for(c.secret), "expires", "1"});
  CHECK_FALSE(sync_wait(sessions.verify(c.secret)));  // past the cap: deleted
  CHECK(sync_wait(sessions.revoke_handle_of(alice.user.id, b.record.handle)));
  sync_wait(sessions.revoke(a.secret));
  sync_wait(sessions.create(alice.user.id, "github", "agent"));
  sync_wait(sessions.revoke_all(alice.user.id));
  CHECK(sync_wait(sessions.list(alice.user.id)).empty());
  return alice.user.id;
}

}  // namespace sg::test
