// Issue 14, cluster mode: the key slot functions (known vectors, and against Redis's own CLUSTER
// KEYSLOT), the parsers of what the servers say (CLUSTER SLOTS, MOVED, ASK), and the cluster
// backend against a real three-master Redis Cluster with the test as the loop: batches split by
// node and put back in order, a slot migrated step by step (ASK, then MOVED), a node killed, and
// every store operation run through it (each script touches one slot).
#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/crypto.hpp"
#include "core/task.hpp"
#include "session-store/blocking_redis.hpp"
#include "session-store/rate_limiter.hpp"
#include "session-store/redis_cluster_backend.hpp"
#include "session-store/redis_cluster_slots.hpp"
#include "session-store/redis_socket_transport.hpp"
#include "session-store/session_store.hpp"
#include "support/identities.hpp"
#include "support/process.hpp"
#include "support/redis_cluster_fixture.hpp"
#include "support/redis_server.hpp"
#include "support/wait.hpp"
#include "support/redis_monitor.hpp"
#include "support/store_workload.hpp"
#include "support/redis_test_loop.hpp"

using namespace sg;
using namespace std::chrono_literals;

namespace {

redis_value integer(long long n) {
  redis_value v;
  v.type = redis_value::kind::integer;
  v.integer = n;
  return v;
}
redis_value text(const std::string& s) {
  redis_value v;
  v.type = redis_value::kind::string;
  v.text = s;
  return v;
}
redis_value array(std::vector<redis_value> elements) {
  redis_value v;
  v.type = redis_value::kind::array;
  v.elements = std::move(elements);
  return v;
}
redis_value range(long long first, long long last, const std::string& host, long long port) {
  return array({integer(first), integer(last), array({text(host), integer(port), text("0123abcd")})});
}

}  // namespace

TEST_CASE("key slots are Redis's: CRC16-XMODEM of the key or of its hash tag", "[cluster]") {
  CHECK(redis_crc16("123456789") == 0x31C3);  // the XMODEM check value
  CHECK(redis_crc16("") == 0);
  CHECK(redis_key_slot("foo") == 12182);
  CHECK(redis_key_slot("somekey") == 11058);
  CHECK(redis_key_slot("{user1000}.following") == redis_key_slot("{user1000}.followers"));
  CHECK(redis_key_slot("{user1000}.following") == redis_key_slot("user1000"));
  CHECK(redis_key_slot("foo{bar}zap") == redis_key_slot("bar"));
  // "{}" is no tag: the whole key is hashed, even with a later "{bar}".
  CHECK(redis_key_slot("foo{}{bar}") == (redis_crc16("foo{}{bar}") & 16383));
  CHECK(redis_key_slot("foo{}{bar}") != redis_key_slot("bar"));
  // The first '{' and the first '}' after it: the tag is "{bar".
  CHECK(redis_key_slot("foo{{bar}}zap") == (redis_crc16("{bar") & 16383));
  CHECK(redis_key_slot("foo{bar") == (redis_crc16("foo{bar") & 16383));  // no closing brace
  CHECK(redis_key_slot("}{x}") == redis_key_slot("x"));
  CHECK(redis_key_slot(std::string("a\0{b}", 5)) == redis_key_slot("b"));  // binary keys
}

TEST_CASE("a command's slot is its key's: EVAL/EVALSHA by their first key, keyless commands have none", "[cluster]") {
  CHECK(redis_command_slot({"GET", "foo"}) == redis_key_slot("foo"));
  CHECK(redis_command_slot({"get", "foo"}) == redis_key_slot("foo"));
  CHECK(redis_command_slot({"DEL", "{t}a"}) == redis_key_slot("t"));
  CHECK(redis_command_slot({"HSET", "h", "f", "v"}) == redis_key_slot("h"));
  CHECK(redis_command_slot({"EVAL", "return 1", "2", "{u}a", "{u}b", "arg"}) == redis_key_slot("u"));
  CHECK(redis_command_slot({"EVALSHA", std::string(40, 'a'), "1", "foo"}) == redis_key_slot("foo"));
  CHECK(redis_command_slot({"evalsha", std::string(40, 'a'), "1", "foo"}) == redis_key_slot("foo"));
  CHECK_FALSE(redis_command_slot({"EVAL", "return 1", "0"}));
  CHECK_FALSE(redis_command_slot({"EVAL", "return 1", "0", "notakey"}));
  CHECK_FALSE(redis_command_slot({"EVAL", "return 1", "x", "foo"}));
  CHECK_FALSE(redis_command_slot({"EVAL", "return 1", "1"}));  // malformed: Redis answers it
  for (const char* keyless : {"PING", "INFO", "SCRIPT", "CLUSTER", "ASKING", "ECHO", "TIME", "DBSIZE", "SCAN"}) {
    INFO(keyless);
    CHECK_FALSE(redis_command_slot({keyless, "something"}));
  }
  CHECK_FALSE(redis_command_slot({"GET"}));
  CHECK_FALSE(redis_command_slot({}));
}

TEST_CASE("MOVED and ASK replies name a slot and a node, anything else is no redirection", "[cluster]") {
  redis_address asked{"10.0.0.9", 7000};
  auto moved = parse_redirection("MOVED 3999 127.0.0.1:6381", asked);
  REQUIRE(moved);
  CHECK_FALSE(moved->ask);
  CHECK(moved->slot == 3999);
  CHECK(moved->target.host == "127.0.0.1");
  CHECK(moved->target.port == 6381);
  auto ask = parse_redirection("ASK 16383 redis-2.example:7001", asked);
  REQUIRE(ask);
  CHECK(ask->ask);
  CHECK(ask->slot == 16383);
  CHECK(ask->target.text() == "redis-2.example:7001");
  auto same_host = parse_redirection("MOVED 1 :7002", asked);  // an empty host: the node asked
  REQUIRE(same_host);
  CHECK(same_host->target.text() == "10.0.0.9:7002");
  auto v6 = parse_redirection("MOVED 2 ::1:7003", asked);
  REQUIRE(v6);
  CHECK(v6->target.host == "::1");
  CHECK(v6->target.port == 7003);
  for (const char* other : {"ERR unknown command", "MOVED", "MOVED 3999", "MOVED 16384 h:1", "MOVED -1 h:1",
                            "MOVED 1 h:0", "MOVED 1 h:65536", "MOVED 1 h", "MOVED x h:1", "ASK 1 h:1x",
                            "MOVED 1 h h:1", "TRYAGAIN", "CROSSSLOT Keys in request don't hash to the same slot"}) {
    INFO(other);
    CHECK_FALSE(parse_redirection(other, asked));
  }
}

TEST_CASE("a CLUSTER SLOTS reply gives the masters' ranges and is never trusted", "[cluster]") {
  redis_address asked{"10.0.0.9", 7000};
  auto reply = array({range(0, 5460, "127.0.0.1", 7000), range(5461, 10922, "", 7001), range(10923, 16383, "?", 7002)});
  auto ranges = parse_cluster_slots(reply, asked);
  REQUIRE(ranges.size() == 2);  // "?": the endpoint is not known yet, left out
  CHECK(ranges[0].first == 0);
  CHECK(ranges[0].last == 5460);
  CHECK(ranges[0].master.text() == "127.0.0.1:7000");
  CHECK(ranges[1].master.text() == "10.0.0.9:7001");  // an empty host: the node asked
  CHECK(parse_cluster_slots(array({}), asked).empty());

  // A replica after the master is allowed (and ignored), extra fields too.
  auto with_replica = range(0, 16383, "127.0.0.1", 7000);
  with_replica.elements.push_back(array({text("127.0.0.1"), integer(7100), text("id")}));
  with_replica.elements[2].elements.push_back(array({}));
  CHECK(parse_cluster_slots(array({with_replica}), asked).size() == 1);

  std::vector<redis_value> bad{
      text("not an array"),
      array({integer(1)}),
      array({range(0, 16384, "h", 1)}),
      array({range(10, 9, "h", 1)}),
      array({range(-1, 9, "h", 1)}),
      array({range(0, 9, "h", 0)}),
      array({range(0, 9, "h", 65536)}),
      array({range(0, 9, "bad host", 1)}),
      array({range(0, 9, std::string(300, 'h'), 1)}),
      array({array({integer(0), integer(9), text("master")})}),
      array({array({text("0"), integer(9), array({text("h"), integer(1)})})}),
      array({array({integer(0), integer(9), array({integer(5), integer(1)})})}),
  };
  redis_value error;
  error.type = redis_value::kind::error;
  error.text = "ERR This instance has cluster support disabled";
  bad.push_back(error);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    INFO("malformed reply #" << i);
    CHECK_THROWS_AS(parse_cluster_slots(bad[i], asked), redis_command_error);
  }
}

namespace {

redis_settings cluster_settings(const std::string& nodes, std::chrono::milliseconds reply_timeout = 1000ms) {
  redis_settings settings;
  settings.mode = redis_mode::cluster;
  settings.cluster_nodes = parse_redis_addresses("REDIS_CLUSTER_NODES", nodes);
  settings.connections = 2;
  settings.reply_timeout = reply_timeout;
  return settings;
}

// The backend on real sockets; the test turns the loop.
struct cluster_loop {
  explicit cluster_loop(const redis_settings& settings) : backend(settings, transport) { transport.attach(backend); }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 10s) {
    return test::turn_until(transport, backend, condition, deadline);
  }

  redis_socket_transport transport;
  redis_cluster_backend backend;
};

struct outcome {
  bool finished = false;
  std::vector<redis_value> replies;
  std::exception_ptr failure;
};

// Submits a batch; the outcome fills in when its completion runs.
void start(redis_executor& redis, std::vector<redis_command_args> commands, outcome& out) {
  redis.submit(std::move(commands), [&out](std::vector<redis_value> replies, std::exception_ptr failure) {
    out.replies = std::move(replies);
    out.failure = failure;
    out.finished = true;
  });
}

std::vector<redis_value> run(cluster_loop& l, std::vector<redis_command_args> commands) {
  outcome out;
  start(l.backend, std::move(commands), out);
  REQUIRE(l.run_until([&] { return out.finished; }));
  if (out.failure) std::rethrow_exception(out.failure);
  return out.replies;
}

template <class Failure>
std::string failure_of_batch(cluster_loop& l, std::vector<redis_command_args> commands,
                             std::chrono::milliseconds deadline = 10s) {
  outcome out;
  start(l.backend, std::move(commands), out);
  REQUIRE(l.run_until([&] { return out.finished; }, deadline));  // no hang
  return test::message_of<Failure>(out.failure);
}

// Arguments built before the co_await (GCC 12: no braced temporaries inside one).
task<void> eval_into(redis_executor& redis, const redis_script& script, std::string key, std::optional<redis_value>& out) {
  std::vector<std::string> keys{std::move(key)};
  std::vector<std::string> args;
  out = co_await redis.eval(script, std::move(keys), std::move(args));
}

// Which node serves each slot, as node 0 says.
std::vector<std::size_t> slot_owners(test::redis_cluster& cluster) {
  std::vector<std::size_t> owners(redis_cluster_slot_count, cluster.size());
  auto slots = cluster.client(0).command({"CLUSTER", "SLOTS"});
  for (const auto& r : slots.elements)
    for (std::size_t node = 0; node < cluster.size(); ++node)
      if (r.elements.at(2).elements.at(1).integer == cluster.port(node))
        for (auto s = r.elements.at(0).integer; s <= r.elements.at(1).integer; ++s) owners[static_cast<std::size_t>(s)] = node;
  return owners;
}

// `count` keys "<prefix><n>" served by `node`.
std::vector<std::string> keys_on(const std::vector<std::size_t>& owners, std::size_t node, const std::string& prefix,
                                 std::size_t count) {
  std::vector<std::string> keys;
  for (int n = 0; keys.size() < count; ++n) {
    auto key = prefix + std::to_string(n);
    if (owners[redis_key_slot(key)] == node) keys.push_back(key);
  }
  return keys;
}

}  // namespace

TEST_CASE("cluster backend: one pipeline over keys of every master, replies in order", "[cluster][redis_cluster]") {
  test::scratch_dir scratch;
  test::redis_cluster cluster(scratch.path());
  cluster_loop l(cluster_settings(cluster.addresses()));
  CHECK_FALSE(l.backend.located());
  CHECK(l.backend.mode() == "cluster");
  REQUIRE(l.run_until([&] { return l.backend.located(); }));
  CHECK(l.backend.status() == "3 masters, 16384 of 16384 slots");

  // Our slot function agrees with Redis's CLUSTER KEYSLOT on random binary keys with braces.
  std::mt19937 random(std::random_device{}());
  const std::string alphabet = std::string("ab{}{}x\0\xff:", 11);
  for (int i = 0; i < 300; ++i) {
    std::string key;
    auto length = std::uniform_int_distribution<int>(0, 12)(random);
    for (int c = 0; c < length; ++c) key += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(random)];
    INFO("key #" << i);
    CHECK(cluster.client(0).command({"CLUSTER", "KEYSLOT", key}).integer == redis_key_slot(key));
  }

  auto owners = slot_owners(cluster);
  // Interleaved: node 0, 1, 2, 0, 1, 2...
  std::vector<std::vector<std::string>> per_node;
  for (std::size_t node = 0; node < 3; ++node) per_node.push_back(keys_on(owners, node, "pipe:", 10));
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < 10; ++i)
    for (std::size_t node = 0; node < 3; ++node) keys.push_back(per_node[node][i]);

  std::vector<redis_command_args> writes;
  for (std::size_t i = 0; i < keys.size(); ++i) writes.push_back({"SET", keys[i], "value " + std::to_string(i)});
  writes.push_back({"PING"});  // keyless: any master
  auto written = run(l, writes);
  REQUIRE(written.size() == keys.size() + 1);
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(written[i].text == "OK");
  CHECK(written.back().text == "PONG");

  // Each key is on the master of its slot, nowhere else.
  for (std::size_t node = 0; node < 3; ++node)
    for (const auto& key : per_node[node]) CHECK(cluster.client(node).command({"EXISTS", key}).integer == 1);
  std::size_t stored = 0;
  for (std::size_t node = 0; node < 3; ++node) stored += cluster.keys_of(node, "pipe:*").size();
  CHECK(stored == keys.size());

  std::vector<redis_command_args> reads;
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) reads.push_back({"GET", *it});
  reads.push_back({"GET", "pipe:missing"});
  auto read = run(l, reads);
  REQUIRE(read.size() == keys.size() + 1);
  for (std::size_t i = 0; i < keys.size(); ++i) CHECK(read[i].text == "value " + std::to_string(keys.size() - 1 - i));
  CHECK(read.back().is_nil());

  // Many batches at once, each over all masters: each gets its own replies.
  std::vector<outcome> outcomes(50);
  for (std::size_t b = 0; b < outcomes.size(); ++b) {
    std::vector<redis_command_args> batch;
    for (std::size_t node = 0; node < 3; ++node) batch.push_back({"INCR", per_node[node][b % 10] + ":n"});
    batch.push_back({"GET", per_node[b % 3][b % 10]});
    start(l.backend, batch, outcomes[b]);
  }
  REQUIRE(l.run_until([&] {
    for (const auto& o : outcomes)
      if (!o.finished) return false;
    return true;
  }));
  for (std::size_t b = 0; b < outcomes.size(); ++b) {
    INFO("batch " << b);
    REQUIRE_FALSE(outcomes[b].failure);
    REQUIRE(outcomes[b].replies.size() == 4);
    CHECK(outcomes[b].replies[3].text.rfind("value ", 0) == 0);
  }

  // A script by EVALSHA, loaded by EVAL on the master of its key (NOSCRIPT first).
  redis_script script("return redis.call('GET', KEYS[1])");
  std::optional<redis_value> script_reply;
  start_detached(eval_into(l.backend, script, keys[4], script_reply), [](std::exception_ptr e) { CHECK_FALSE(e); });
  REQUIRE(l.run_until([&] { return script_reply.has_value(); }));
  CHECK(script_reply->text == "value 4");

  // An error reply fails the batch as a store expects, the others' replies notwithstanding.
  CHECK(failure_of_batch<redis_command_error>(l, {{"SET", keys[0], "x"}, {"HGET", keys[1], "field"}}).find("WRONGTYPE") == 0);
  CHECK(l.backend.moved_redirections() == 0);
  CHECK(l.backend.ask_redirections() == 0);
  CHECK(l.backend.errors() == 0);
  CHECK(l.backend.in_use() == 0);
}

TEST_CASE("cluster backend: a slot migrated step by step is followed through ASK, then MOVED",
          "[cluster][redis_cluster]") {
  test::scratch_dir scratch;
  test::redis_cluster cluster(scratch.path());
  cluster_loop l(cluster_settings(cluster.addresses()));
  REQUIRE(l.run_until([&] { return l.backend.located(); }));

  const std::string tag = "{moving}";
  auto slot = redis_key_slot(tag);
  auto from = cluster.owner_of(slot);
  auto to = (from + 1) % cluster.size();
  auto owners = slot_owners(cluster);
  auto elsewhere = keys_on(owners, (from + 2) % cluster.size(), "still:", 3);

  std::vector<std::string> keys;
  std::vector<redis_command_args> writes;
  for (int i = 0; i < 25; ++i) {
    keys.push_back(tag + ":" + std::to_string(i));
    writes.push_back({"SET", keys.back(), "v" + std::to_string(i)});
  }
  for (const auto& key : elsewhere) writes.push_back({"SET", key, "here"});
  run(l, writes);

  // Every key and the ones elsewhere, in one batch, in order.
  auto read_all = [&] {
    std::vector<redis_command_args> reads;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      reads.push_back({"GET", keys[i]});
      if (i % 8 == 0) reads.push_back({"GET", elsewhere[i % elsewhere.size()]});
    }
    auto replies = run(l, reads);
    std::size_t r = 0;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      INFO(keys[i]);
      CHECK(replies.at(r++).text == "v" + std::to_string(i));
      if (i % 8 == 0) CHECK(replies.at(r++).text == "here");
    }
  };

  std::size_t batches_moved = 0;
  std::uint64_t moved_before_assignment = 0;
  // A script over two keys of the slot, sent while one has moved and the other not: TRYAGAIN,
  // sent again later; once both are on the target, ASK takes it there.
  outcome split;
  std::pair<std::string, std::string> split_values;
  cluster.migrate_slot(slot, to, [&](test::redis_cluster::step step) {
    switch (step) {
      case test::redis_cluster::step::marked: {
        read_all();  // every key still on the source: no redirection
        CHECK(l.backend.ask_redirections() == 0);
        // A new key of the slot is not on the source: ASK sends it to the target.
        CHECK(run(l, {{"SET", tag + ":new", "fresh"}}).at(0).text == "OK");
        CHECK(l.backend.ask_redirections() == 1);
        auto on_target = cluster.client(to).pipeline({{"ASKING"}, {"GET", tag + ":new"}});
        CHECK(on_target.at(1).text == "fresh");
        break;
      }
      case test::redis_cluster::step::batch_moved:
        if (++batches_moved == 1) {
          auto before = l.backend.ask_redirections();
          read_all();  // some from the source, the moved ones through ASK
          CHECK(l.backend.ask_redirections() > before);

          std::set<std::string> on_source;  // (a plain EXISTS of a moved key would get ASK)
          for (const auto& key : cluster.client(from).command({"CLUSTER", "GETKEYSINSLOT", std::to_string(slot), "1000"}).elements)
            on_source.insert(key.text);
          std::optional<std::size_t> gone, here;
          for (std::size_t i = 0; i < keys.size(); ++i) (on_source.count(keys[i]) ? here : gone) = i;
          REQUIRE(gone);
          REQUIRE(here);
          split_values = {"v" + std::to_string(*gone), "v" + std::to_string(*here)};
          start(l.backend,
                {{"EVAL", "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}", "2", keys[*gone], keys[*here]}},
                split);
          REQUIRE(l.run_until([&] { return l.backend.tryagain_retries() >= 1 || split.finished; }));
          CHECK_FALSE(split.finished);  // waiting to be sent again
        }
        break;
      case test::redis_cluster::step::keys_moved: {
        CHECK(cluster.client(from).command({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(slot)}).integer == 0);
        auto before = l.backend.ask_redirections();
        read_all();  // all through ASK: the target answers them
        CHECK(l.backend.ask_redirections() >= before + keys.size());
        CHECK(run(l, {{"GET", tag + ":new"}}).at(0).text == "fresh");
        REQUIRE(l.run_until([&] { return split.finished; }));
        REQUIRE_FALSE(split.failure);
        REQUIRE(split.replies.size() == 1);
        REQUIRE(split.replies[0].elements.size() == 2);
        CHECK(split.replies[0].elements[0].text == split_values.first);
        CHECK(split.replies[0].elements[1].text == split_values.second);
        // ASK does not change the map: the source is asked again (and asks again).
        CHECK(l.backend.moved_redirections() == 0);
        moved_before_assignment = l.backend.moved_redirections();
        break;
      }
      case test::redis_cluster::step::assigned:
        break;
    }
  });
  CHECK(batches_moved >= 3);  // 26 keys by 10

  // The slot is the target's now: the first command gets MOVED, the map is corrected, and the
  // next ones go straight there.
  read_all();
  auto moved = l.backend.moved_redirections();
  CHECK(moved > moved_before_assignment);
  read_all();
  CHECK(run(l, {{"GET", tag + ":new"}}).at(0).text == "fresh");
  CHECK(l.backend.moved_redirections() == moved);
  CHECK(cluster.client(to).command({"GET", keys[3]}).text == "v3");
  CHECK(l.backend.status() == "3 masters, 16384 of 16384 slots");
  CHECK(l.backend.errors() == 0);
}

TEST_CASE("cluster backend: a killed master fails its slots' commands at once, the others still work, "
          "shutdown fails what waits",
          "[cluster][redis_cluster]") {
  test::scratch_dir scratch;
  test::redis_cluster cluster(scratch.path());
  cluster_loop l(cluster_settings(cluster.addresses()));
  REQUIRE(l.run_until([&] { return l.backend.located(); }));
  auto owners = slot_owners(cluster);
  auto on_two = keys_on(owners, 2, "k:", 2);
  auto on_zero = keys_on(owners, 0, "k:", 2);
  run(l, {{"SET", on_two[0], "2"}, {"SET", on_zero[0], "0"}});

  cluster.kill(2);
  // Lost connections or refused ones: redis_unavailable, well before any timeout.
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(failure_of_batch<redis_unavailable>(l, {{"GET", on_two[0]}}, 5s).empty());
  CHECK_FALSE(failure_of_batch<redis_unavailable>(l, {{"GET", on_zero[0]}, {"GET", on_two[1]}}, 5s).empty());
  std::printf("cluster: two batches for a dead master failed after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - started).count()));
  CHECK(run(l, {{"GET", on_zero[0]}}).at(0).text == "0");  // the other masters still serve
  CHECK(l.backend.errors() >= 2);
  CHECK(l.backend.located());

  // shutdown(): what waits fails before it returns; then nothing is taken.
  outcome waiting;
  start(l.backend, {{"GET", on_zero[0]}, {"GET", on_zero[1]}}, waiting);
  CHECK_FALSE(waiting.finished);
  l.backend.shutdown();
  REQUIRE(waiting.finished);
  CHECK(waiting.failure);
  l.backend.shutdown();  // idempotent
  outcome after;
  start(l.backend, {{"GET", on_zero[0]}}, after);
  REQUIRE(after.finished);
  CHECK(after.failure);
  CHECK(l.backend.in_use() == 0);
}

TEST_CASE("cluster backend: no node answering means no slot map, and batches fail rather than hang",
          "[cluster][redis_cluster]") {
  // A port nothing listens on: a server started and stopped.
  test::scratch_dir scratch;
  test::redis_server stopped(scratch.path());
  int closed_port = stopped.port();
  stopped.stop();
  cluster_loop l(cluster_settings("127.0.0.1:" + std::to_string(closed_port), 300ms));
  CHECK_FALSE(l.run_until([&] { return l.backend.located(); }, 300ms));
  CHECK(l.backend.status().find("no slot map yet") == 0);
  CHECK(failure_of_batch<redis_unavailable>(l, {{"GET", "k"}}, 5s).find("CLUSTER SLOTS") != std::string::npos);
  CHECK(l.backend.errors() > 0);

  // While the first map is awaited, the batch waits (bounded), and shutdown fails it.
  outcome waiting;
  start(l.backend, {{"GET", "k"}}, waiting);
  l.backend.shutdown();
  CHECK(waiting.finished);
  CHECK(waiting.failure);
}

namespace {

// ---- every store operation through the cluster backend ---------------------------------------

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> keys_of(redis_pool& node, const std::vector<std::string>& args) {
  redis_command_args ask{"COMMAND", "GETKEYS"};
  ask.insert(ask.end(), args.begin(), args.end());
  std::vector<std::string> keys;
  try {
    for (const auto& key : node.command(ask).elements) keys.push_back(key.text);
  } catch (const redis_command_error&) {
    // A command without keys.
  }
  return keys;
}

// The `static const redis_script` definitions of the stores' sources: the scripts there are.
std::size_t scripts_in_sources() {
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(SG_SOURCE_DIR) + "/session-store")) {
    if (entry.path().extension() != ".cpp") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string needle = "static const redis_script ";
    for (auto at = text.str().find(needle); at != std::string::npos; at = text.str().find(needle, at + 1)) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("every store operation works through the cluster backend: each script on one slot, logout everywhere "
          "and rate limits across slots",
          "[cluster][redis_cluster][stores]") {
  test::scratch_dir scratch;
  test::redis_cluster cluster(scratch.path());
  blocking_redis redis(cluster_settings(cluster.addresses()));
  REQUIRE(redis.locate(10s));
  std::vector<std::unique_ptr<test::redis_monitor>> watches;
  for (std::size_t node = 0; node < cluster.size(); ++node) watches.push_back(std::make_unique<test::redis_monitor>(cluster.port(node)));

  // Every store operation, as the one-slot check on a single cluster-mode server runs them.
  auto alice_id = test::run_every_store_operation(redis);
  session_store sessions(redis, "sg:", {3600, 7200, 60});
  rate_limiter limiter(redis, "sg:", {{"login", 1, 60}});

  // Rate limits: one bucket per address, the buckets on many slots and every master.
  std::set<std::size_t> limiter_nodes;
  auto owners = slot_owners(cluster);
  for (int i = 0; i < 30; ++i) {
    auto address = "192.0.2." + std::to_string(i + 10);
    CHECK(sync_wait(limiter.check("login", address)).allowed);
    CHECK_FALSE(sync_wait(limiter.check("login", address)).allowed);
  }
  for (std::size_t node = 0; node < cluster.size(); ++node)
    if (!cluster.keys_of(node, "sg:rate*").empty()) limiter_nodes.insert(node);
  CHECK(limiter_nodes.size() == cluster.size());

  // Log out everywhere: sessions on many slots (on every master), all gone.
  std::vector<std::string> secrets;
  std::set<std::size_t> session_nodes;
  for (int i = 0; i < 24; ++i) {
    secrets.push_back(sync_wait(sessions.create(alice_id, "github", "agent " + std::to_string(i))).secret);
    session_nodes.insert(owners[redis_key_slot(sessions.key_for(secrets.back()))]);
  }
  CHECK(session_nodes.size() == cluster.size());
  for (const auto& secret : secrets) REQUIRE(sync_wait(sessions.verify(secret)));
  sync_wait(sessions.revoke_all(alice_id));
  for (const auto& secret : secrets) {
    CHECK_FALSE(sync_wait(sessions.verify(secret)));
    CHECK(redis.command({"EXISTS", sessions.key_for(secret)}).integer == 0);
  }
  CHECK(sync_wait(sessions.list(alice_id)).empty());

  // What each node ran: every script call touched keys of one slot (its declared keys and the
  // ones it built inside), and every script of the stores was run.
  std::size_t script_calls = 0;
  std::set<std::string> scripts_seen;
  for (std::size_t node = 0; node < cluster.size(); ++node) {
    auto commands = watches[node]->finish(cluster.client(node));
    for (std::size_t i = 0; i < commands.size(); ++i) {
      const auto& call = commands[i];
      if (call.from_script || call.args.size() < 2) continue;
      auto verb = upper(call.args[0]);
      if (verb != "EVAL" && verb != "EVALSHA") continue;
      ++script_calls;
      scripts_seen.insert(verb == "EVALSHA" ? call.args[1] : redis_script(call.args[1]).sha1);
      auto keys = keys_of(cluster.client(node), call.args);
      for (std::size_t j = i + 1; j < commands.size() && commands[j].from_script; ++j)
        for (auto& key : keys_of(cluster.client(node), commands[j].args)) keys.push_back(std::move(key));
      std::set<std::uint16_t> slots;
      std::string touched;
      for (const auto& key : keys) {
        slots.insert(redis_key_slot(key));
        touched += key + " ";
      }
      INFO("node " << node << ", script call (" << verb << ") touched: " << touched);
      CHECK(slots.size() <= 1);
      if (slots.size() == 1) CHECK(owners[*slots.begin()] == node);
    }
  }
  CHECK(script_calls >= 20);
  auto declared = scripts_in_sources();
  CHECK(declared >= 7);
  CHECK(scripts_seen.size() == declared);
}
