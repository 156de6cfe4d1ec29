// Issue 14 will run socialgate on a Redis Cluster, where a script may only touch keys of one
// hash slot. This test runs every store operation against a real redis-server in cluster mode
// (one node holding every slot: a multi-key command across slots is refused there) while a
// MONITOR connection records what each script invocation really touched, keys it built inside
// the script included; Redis itself names each key (COMMAND GETKEYS) and its slot (CLUSTER
// KEYSLOT).
#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>

#include <cctype>
#include <map>
#include <random>
#include <set>

#include "core/crypto.hpp"
#include "session-store/flow_store.hpp"
#include "session-store/key_migration.hpp"
#include "session-store/redis_pool.hpp"
#include "session-store/login_code_store.hpp"
#include "session-store/rate_limiter.hpp"
#include "session-store/session_store.hpp"
#include "session-store/user_store.hpp"
#include "support/identities.hpp"
#include "support/process.hpp"
#include "support/redis_monitor.hpp"
#include "support/store_workload.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
// A one-node Redis Cluster on a random loopback port (its bus port, +10000, must be free too).
class cluster_node {
 public:
  explicit cluster_node(const std::string& scratch) {
    std::mt19937 random(std::random_device{}());
    for (int attempt = 0; attempt < 30; ++attempt) {
      port_ = std::uniform_int_distribution<int>(20000, 50000)(random);
      if (launch(scratch)) return;
    }
    throw std::runtime_error("could not start a cluster-mode redis-server on a free port");
  }
  int port() const { return port_; }
  redis_pool& client() { return *client_; }

 private:
  bool launch(const std::string& scratch) {
    auto id = std::to_string(port_);
    process_ = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/bin/redis-server", "--port", id, "--bind", "127.0.0.1", "--dir", scratch,
                                 "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
                                 "--cluster-config-file", scratch + "/nodes-" + id + ".conf"},
        std::map<std::string, std::string>{}, scratch + "/redis-" + id + ".log");
    client_ = std::make_unique<redis_pool>(redis_endpoint{"127.0.0.1", port_, "", "", 0}, 2,
                                           std::chrono::milliseconds(1000));
    if (!wait_until([&] { return !process_->running() || client_->ping(); }) || !process_->running()) return false;
    client_->command({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"});
    return wait_until([&] {
      return client_->command({"CLUSTER", "INFO"}).text.find("cluster_state:ok") != std::string::npos;
    });
  }

  int port_ = 0;
  std::unique_ptr<child_process> process_;
  std::unique_ptr<redis_pool> client_;
};

std::vector<std::string> keys_of(redis_pool& redis, const std::vector<std::string>& args) {
  redis_command_args ask{"COMMAND", "GETKEYS"};
  ask.insert(ask.end(), args.begin(), args.end());
  std::vector<std::string> keys;
  try {
    for (const auto& key : redis.command(ask).elements) keys.push_back(key.text);
  } catch (const redis_command_error&) {
    // A command without keys (EVAL with numkeys 0 included).
  }
  return keys;
}

// Every store operation (tests/support/store_workload), then start-up's look for old-layout keys
// (SCAN). `migrate-keys` is not run here: it renames keys into the account hash tag (RENAMENX
// across slots), which only a standalone Redis allows.
void run_workload_and_layout_check(redis_pool& pool) {
  test::run_every_store_operation(pool);
  CHECK_FALSE(sync_wait(find_old_layout_key(pool, "sg:")));
}
}  // namespace

TEST_CASE("every script touches the keys of one Redis Cluster slot, and no command spans slots", "[stores][cluster]") {
  scratch_dir dir;
  cluster_node node(dir.path());
  redis_pool pool(redis_endpoint{"127.0.0.1", node.port(), "", "", 0}, 2);
  test::redis_monitor watch(node.port());
  run_workload_and_layout_check(pool);  // a command across slots fails here (CROSSSLOT)
  auto commands = watch.finish(node.client());

  std::size_t scripts = 0, script_commands = 0;
  std::set<std::string> script_verbs;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (!is_script_call(commands[i])) continue;
    ++scripts;
    std::vector<std::string> keys = keys_of(node.client(), commands[i].args);
    for (std::size_t j = i + 1; j < commands.size() && commands[j].from_script; ++j) {
      ++script_commands;
      script_verbs.insert(commands[j].args.at(0));
      for (auto& key : keys_of(node.client(), commands[j].args)) keys.push_back(std::move(key));
    }
    std::set<long long> slots;
    for (const auto& key : keys) slots.insert(node.client().command({"CLUSTER", "KEYSLOT", key}).integer);
    std::string touched;
    for (const auto& key : keys) touched += key + " ";
    INFO("script call #" << scripts << " (" << commands[i].args.at(0) << ") touched: " << touched);
    CHECK(slots.size() <= 1);
  }
  // The workload did reach the scripts: every store's (EVALSHA, or EVAL after NOSCRIPT).
  CHECK(scripts >= 20);
  CHECK(script_commands > scripts);
  for (const char* verb : {"HGETALL", "HSET", "EXPIRE", "ZADD", "INCR", "DEL", "GET", "SET", "SADD"}) {
    INFO(verb);
    CHECK(script_verbs.count(verb) == 1);
  }
}

TEST_CASE("flows: the per-browser cap drops the oldest open flows, finished ones do not count, the address cap writes nothing",
          "[stores][limits]") {
  scratch_dir dir;
  cluster_node node(dir.path());  // any real server will do; this one also refuses cross-slot commands
  auto& redis = node.client();
  flow_store flows(redis, "sg:", 600, {3, 6});
  flow_record record;
  record.provider = "github";
  record.binding_hash = sha256_hex("browser");
  record.created_at = unix_now();
  auto exists = [&](const std::string& state) { return redis.command({"EXISTS", flows.key_for(state)}).integer == 1; };

  auto open_of = [&](std::vector<std::string> states) {
    std::vector<std::string> open;
    for (const auto& state : states)
      if (exists(state)) open.push_back(state);
    return open;
  };

  // Starts within one millisecond tie on age, so which older flows go is not asserted; how many
  // stay is, and the newest always stays.
  for (const char* state : {"s1", "s2", "s3", "s4", "s5"})
    REQUIRE(sync_wait(flows.put(state, record, "192.0.2.1")) == flow_put_result::stored);
  auto open = open_of({"s1", "s2", "s3", "s4", "s5"});
  REQUIRE(open.size() == 3);
  CHECK(exists("s5"));

  // A finished flow leaves room: no open flow is dropped for it.
  auto finished = open.front() == "s5" ? open[1] : open.front();
  REQUIRE(sync_wait(flows.consume_for(finished, record.binding_hash, "github")).status == flow_claim_status::consumed);
  REQUIRE(sync_wait(flows.put("s6", record, "192.0.2.1")) == flow_put_result::stored);
  for (const auto& state : open)
    if (state != finished) CHECK(exists(state));
  CHECK(exists("s6"));
  CHECK(redis.command({"ZCARD", "sg:flows-by-browser:" + record.binding_hash}).integer == 3);

  // The sixth start from the address was the last one allowed in the window.
  CHECK(sync_wait(flows.put("s7", record, "192.0.2.1")) == flow_put_result::address_limit);
  CHECK_FALSE(exists("s7"));
  CHECK(open_of({"s1", "s2", "s3", "s4", "s5", "s6"}).size() == 3);  // a refused start drops nothing
  CHECK(sync_wait(flows.put("s7", record, "192.0.2.2")) == flow_put_result::stored);
  CHECK(sync_wait(flows.put("s8", record)) == flow_put_result::stored);  // no address known: not counted
  auto totals = sync_wait(flows.totals());
  CHECK(totals.started == 8);
  CHECK(totals.finished == 1);
  auto address_ttl = redis.command({"TTL", "sg:flows-by-address:" + sha256_hex("192.0.2.1").substr(0, 32)}).integer;
  CHECK(address_ttl > 0);
  CHECK(address_ttl <= 600);
}

TEST_CASE("rate limits count per address and window and tell when to retry", "[stores][limits]") {
  scratch_dir dir;
  cluster_node node(dir.path());
  rate_limiter limiter(node.client(), "sg:", {{"login", 2, 60}});
  CHECK(sync_wait(limiter.check("login", "192.0.2.1")).allowed);
  CHECK(sync_wait(limiter.check("login", "192.0.2.1")).allowed);
  auto refused = sync_wait(limiter.check("login", "192.0.2.1"));
  CHECK_FALSE(refused.allowed);
  CHECK(refused.retry_after_seconds > 0);
  CHECK(refused.retry_after_seconds <= 60);
  CHECK(sync_wait(limiter.check("login", "192.0.2.2")).allowed);  // another address
  CHECK(sync_wait(limiter.check("token", "192.0.2.1")).allowed);  // a bucket without a rule
}
