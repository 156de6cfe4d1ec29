// Issue 14, Sentinel mode: the backend against real processes (redis-server master and replica,
// three redis-sentinel), with the test as the loop: poll() over real sockets and on_tick.
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"
#include "session-store/redis_sentinel_backend.hpp"
#include "session-store/redis_settings.hpp"
#include "session-store/redis_socket_transport.hpp"
#include "session-store/redis_subscriber.hpp"
#include "support/redis_sentinel_fixture.hpp"
#include "support/redis_test_loop.hpp"

using namespace sg;
using namespace std::chrono_literals;

namespace {

const std::string data_secret = "data-secret-5f1c";
const std::string sentinel_secret = "sentinel-secret-9a2e";

redis_settings settings_for(test::redis_sentinel_fixture& f) {
  redis_settings s;
  s.mode = redis_mode::sentinel;
  s.data = parse_redis_url(f.data_url());
  s.sentinels = parse_redis_addresses("REDIS_SENTINELS", f.sentinels_text());
  s.sentinel_master = f.options().master_name;
  s.sentinel_password = f.options().sentinel_password;
  s.connections = 2;
  s.reply_timeout = 1000ms;
  return s;
}

test::sentinel_options with_passwords() {
  test::sentinel_options o;
  o.data_password = data_secret;
  o.sentinel_password = sentinel_secret;
  return o;
}

using test::exec;
using test::failure_message;
using test::outcome;
using test::pipeline;
using test::start;
using test::value_of;

// A backend on its test loop.
struct loop {
  explicit loop(const redis_settings& settings) : backend(settings, transport) { transport.attach(backend); }

  // Turns the loop until `condition` holds; false when the deadline (a hang) came first.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 10s) {
    return test::turn_until(transport, backend, condition, deadline);
  }

  redis_socket_transport transport;
  redis_sentinel_backend backend;
};

// Arguments built before the co_await: GCC 12 rejects braced temporaries inside one.
task<redis_value> eval(redis_executor& redis, const redis_script& script, std::string key) {
  std::vector<std::string> keys{std::move(key)};
  std::vector<std::string> args;
  co_return co_await redis.eval(script, std::move(keys), std::move(args));
}

outcome<redis_value> run(loop& l, redis_command_args args) {
  outcome<redis_value> out;
  start(exec(l.backend, std::move(args)), out);
  REQUIRE(l.run_until([&] { return out.finished; }));
  return out;
}

// The message of a redis_unavailable failure (anything else fails the test).
std::string unavailable_message(const outcome<redis_value>& out) {
  return test::failure_message<redis_unavailable>(out);
}

std::string at(int port) { return "127.0.0.1:" + std::to_string(port); }

void check_no_secret(const std::string& text) {
  CHECK(text.find(data_secret) == std::string::npos);
  CHECK(text.find(sentinel_secret) == std::string::npos);
}

}  // namespace

TEST_CASE("Sentinel: a +switch-master payload is read, anything else is refused", "[sentinel]") {
  auto m = parse_switch_master("mymaster 127.0.0.1 6379 10.0.0.2 6380");
  REQUIRE(m);
  CHECK(m->name == "mymaster");
  CHECK(m->from.text() == "127.0.0.1:6379");
  CHECK(m->to.text() == "10.0.0.2:6380");
  for (const char* bad : {"", "mymaster", "mymaster 127.0.0.1 6379 10.0.0.2", "mymaster 127.0.0.1 6379 10.0.0.2 0",
                          "mymaster 127.0.0.1 6379 10.0.0.2 65536", "mymaster 127.0.0.1 6379 10.0.0.2 6380 extra",
                          "mymaster  127.0.0.1 6379 10.0.0.2 6380", "mymaster 127.0.0.1 x 10.0.0.2 6380"})
    CHECK_FALSE(parse_switch_master(bad));
}

TEST_CASE("Sentinel: the master is found through the sentinels, with the passwords of REDIS_SENTINEL_PASSWORD and REDIS_URL", "[sentinel]") {
  test::redis_sentinel_fixture f(with_passwords());
  auto settings = settings_for(f);

  {
    loop l(settings);
    CHECK_FALSE(l.backend.located());
    CHECK(l.backend.status() == "no master known for mymaster: not looked up yet");
    REQUIRE(value_of(run(l, {"SET", "greeting", "hello"})).text == "OK");
    CHECK(l.backend.located());
    CHECK(l.backend.status() ==
          "master " + at(f.master_port()) + " (mymaster, from sentinel " + at(f.sentinel_ports()[0]) + ")");
    CHECK(value_of(run(l, {"GET", "greeting"})).text == "hello");
    CHECK(f.data_node(f.master_port()).command({"GET", "greeting"}).text == "hello");
    CHECK(l.backend.stats().lookups == 1);
    CHECK(l.backend.errors() == 0);
    check_no_secret(l.backend.status());
  }

  SECTION("REDIS_URL's database is used on the master") {
    auto in_db3 = settings;
    in_db3.data = parse_redis_url(f.data_url(3));
    loop l(in_db3);
    REQUIRE(value_of(run(l, {"SET", "in-three", "yes"})).text == "OK");
    redis_pool db3(redis_endpoint{"127.0.0.1", f.master_port(), "", data_secret, 3}, 1);
    CHECK(db3.command({"GET", "in-three"}).text == "yes");
    CHECK(f.data_node(f.master_port()).command({"EXISTS", "in-three"}).integer == 0);  // not in database 0
  }

  SECTION("a wrong sentinel password: no master, a clear reason, no password shown") {
    auto wrong = settings;
    wrong.sentinel_password = "not-the-sentinel-password";
    loop l(wrong);
    auto message = unavailable_message(run(l, {"GET", "greeting"}));
    INFO(message);
    CHECK(message.find("no master known for mymaster") != std::string::npos);
    CHECK(message.find("WRONGPASS") != std::string::npos);
    CHECK(message.find("not-the-sentinel-password") == std::string::npos);
    CHECK_FALSE(l.backend.located());
    CHECK(l.backend.status().find("WRONGPASS") != std::string::npos);
    CHECK(l.backend.errors() > 0);
  }

  SECTION("a wrong data password (REDIS_URL): the master cannot be used, a clear reason") {
    auto wrong = settings;
    wrong.data.password = "not-the-data-password";
    loop l(wrong);
    auto message = unavailable_message(run(l, {"GET", "greeting"}));
    INFO(message);
    CHECK(message.find("WRONGPASS") != std::string::npos);
    CHECK(message.find(at(f.master_port())) != std::string::npos);
    CHECK(message.find("not-the-data-password") == std::string::npos);
    CHECK_FALSE(l.backend.located());
  }

  SECTION("a master name the sentinels do not know") {
    auto wrong = settings;
    wrong.sentinel_master = "nosuchmaster";
    loop l(wrong);
    auto message = unavailable_message(run(l, {"GET", "greeting"}));
    CHECK(message == "no master known for nosuchmaster: the sentinels do not know master nosuchmaster");
    CHECK_FALSE(l.backend.located());
    CHECK(l.backend.status() == "no master known for nosuchmaster: the sentinels do not know master nosuchmaster");
  }

  SECTION("the first sentinel is down: the next one answers, and with none left, a clear failure") {
    f.kill_sentinel(0);
    {
      loop l(settings);
      CHECK(value_of(run(l, {"GET", "greeting"})).text == "hello");
      CHECK(l.backend.status() ==
            "master " + at(f.master_port()) + " (mymaster, from sentinel " + at(f.sentinel_ports()[1]) + ")");
    }
    f.kill_sentinel(1);
    f.kill_sentinel(2);
    loop l(settings);
    auto message = unavailable_message(run(l, {"GET", "greeting"}));
    INFO(message);
    for (int port : f.sentinel_ports()) CHECK(message.find("sentinel " + at(port)) != std::string::npos);
    CHECK_FALSE(l.backend.located());
    check_no_secret(message);
  }
}

TEST_CASE("Sentinel: a SIGKILLed master is replaced, batches fail (503) only while no master is known, scripts come back by NOSCRIPT", "[sentinel][failover]") {
  test::redis_sentinel_fixture f(with_passwords());
  REQUIRE(f.wait_ready());
  loop l(settings_for(f));

  // Written before the failover: all must survive it (they are on the replica).
  const int keys = 50;
  for (int i = 0; i < keys; ++i)
    REQUIRE(value_of(run(l, {"SET", "before:" + std::to_string(i), "value " + std::to_string(i)})).text == "OK");
  redis_script counter("return redis.call('INCR', KEYS[1])");
  {
    outcome<redis_value> out;
    start(eval(l.backend, counter, "counter"), out);
    REQUIRE(l.run_until([&] { return out.finished; }));
    CHECK(value_of(out).integer == 1);
  }
  REQUIRE(f.wait_replica_caught_up(f.master_port(), f.replica_port()));

  f.kill_data_node(f.master_port());
  auto killed_at = std::chrono::steady_clock::now();

  // Traffic through the failover: a few batches in flight at any time.
  int in_flight = 0, succeeded = 0, unavailable = 0, other = 0, failed_while_located = 0;
  int succeeded_on_new = 0;
  std::optional<std::chrono::steady_clock::time_point> first_503, last_503;
  std::string last_reason;
  int next = 0;
  auto submit_one = [&] {
    ++in_flight;
    std::string key = "during:" + std::to_string(next++);
    l.backend.submit({{"SET", key, "x"}, {"GET", key}}, [&](std::vector<redis_value> replies, std::exception_ptr failure) {
      --in_flight;
      if (!failure) {
        ++succeeded;
        if (l.backend.status().find(at(f.replica_port())) != std::string::npos) ++succeeded_on_new;
        CHECK(replies.size() == 2);
        return;
      }
      try {
        std::rethrow_exception(failure);
      } catch (const redis_unavailable& e) {
        ++unavailable;
        last_reason = e.what();
        auto now = std::chrono::steady_clock::now();
        if (!first_503) first_503 = now;
        last_503 = now;
        if (l.backend.located()) ++failed_while_located;
      } catch (const std::exception& e) {
        ++other;
        last_reason = e.what();
      }
    });
  };
  bool replaced = l.run_until([&] {
    while (in_flight < 3) submit_one();
    return succeeded_on_new >= 20;
  }, 40s);
  INFO("last failure: " << last_reason << "; status: " << l.backend.status());
  REQUIRE(replaced);
  REQUIRE(l.run_until([&] { return in_flight == 0; }));
  auto ms = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - killed_at).count();
  };
  std::cout << "[sentinel failover] batches: " << succeeded << " answered, " << unavailable
            << " unavailable (503), " << other << " other failures";
  if (first_503) std::cout << "; 503s from " << ms(*first_503) << " ms to " << ms(*last_503) << " ms after SIGKILL";
  std::cout << "; lookups " << l.backend.stats().lookups << ", retries " << l.backend.stats().retries << "\n";

  CHECK(other == 0);
  CHECK(failed_while_located == 0);
  CHECK(l.backend.located());
  CHECK(l.backend.status().find("master " + at(f.replica_port()) + " (mymaster, from sentinel") == 0);
  REQUIRE(f.wait_sentinels_name(f.replica_port()));
  // The promoted replica: its subscription message arrives too (the lookups may have been first).
  CHECK(l.run_until([&] { return l.backend.stats().switches >= 1; }));
  CHECK(l.backend.stats().changes == 1);
  CHECK(l.backend.errors() > 0);

  for (int i = 0; i < keys; ++i)
    CHECK(value_of(run(l, {"GET", "before:" + std::to_string(i)})).text == "value " + std::to_string(i));

  // The new master may lack the script (scripts are not replicated as such): make sure, so
  // EVALSHA meets NOSCRIPT and the text goes by EVAL.
  auto& promoted = f.data_node(f.replica_port());
  promoted.command({"SCRIPT", "FLUSH"});
  REQUIRE(promoted.command({"SCRIPT", "EXISTS", counter.sha1}).elements.at(0).integer == 0);
  outcome<redis_value> out;
  start(eval(l.backend, counter, "counter"), out);
  REQUIRE(l.run_until([&] { return out.finished; }));
  CHECK(value_of(out).integer == 2);  // the counter came over with the replica
  CHECK(promoted.command({"SCRIPT", "EXISTS", counter.sha1}).elements.at(0).integer == 1);
}

TEST_CASE("Sentinel: +switch-master is followed without a request, and a master demoted behind the sentinels' backs is found again on READONLY", "[sentinel][failover]") {
  test::redis_sentinel_fixture f(with_passwords());
  REQUIRE(f.wait_ready());
  loop l(settings_for(f));
  int first = f.master_port(), second = f.replica_port();

  REQUIRE(value_of(run(l, {"SET", "a", "1"})).text == "OK");
  REQUIRE(l.backend.status().find(at(first)) != std::string::npos);
  REQUIRE(l.run_until([&] { return l.backend.stats().lookups == 1 && l.backend.in_use() == 0; }));

  // A failover the sentinels run themselves: the backend hears of it, nothing is sent meanwhile.
  REQUIRE(f.sentinel_command(1, {"SENTINEL", "FAILOVER", "mymaster"}).text == "OK");
  REQUIRE(l.run_until([&] { return l.backend.status().find(at(second)) != std::string::npos; }, 30s));
  CHECK(l.backend.located());
  CHECK(l.backend.stats().switches >= 1);
  CHECK(l.backend.stats().lookups == 1);  // followed, not looked up
  REQUIRE(value_of(run(l, {"SET", "b", "2"})).text == "OK");
  CHECK(f.data_node(second).command({"GET", "b"}).text == "2");

  // Now by hand, with no failover and no +switch-master: `second` becomes a replica of `first`
  // and the sentinels are told to monitor `first`. The backend still writes to `second`.
  f.remonitor(first, [&] {
    f.data_node(first).command({"REPLICAOF", "NO", "ONE"});
    f.data_node(second).command({"REPLICAOF", "127.0.0.1", std::to_string(first)});
  });
  REQUIRE(f.role(second) == "slave");
  auto retries_before = l.backend.stats().retries;
  CHECK(value_of(run(l, {"SET", "c", "3"})).text == "OK");  // READONLY, found again, sent once more
  CHECK(l.backend.stats().retries == retries_before + 1);
  CHECK(l.backend.status().find("master " + at(first)) == 0);
  CHECK(f.data_node(first).command({"GET", "c"}).text == "3");
}

TEST_CASE("Sentinel: the subscription moves to the next sentinel, and batches in flight when +switch-master arrives go to the new master", "[sentinel][failover]") {
  test::redis_sentinel_fixture f(with_passwords());
  REQUIRE(f.wait_ready());
  loop l(settings_for(f));
  REQUIRE(value_of(run(l, {"SET", "a", "1"})).text == "OK");
  REQUIRE(l.run_until([&] { return l.backend.stats().subscriptions == 1; }));

  // The sentinel the backend listens to dies: it subscribes on the next one.
  f.kill_sentinel(0);
  REQUIRE(l.run_until([&] { return l.backend.stats().subscriptions == 2; }));
  CHECK(l.backend.located());

  int in_flight = 0, succeeded = 0, succeeded_on_new = 0, unavailable = 0, other = 0, next = 0;
  std::string last_reason;
  auto submit_one = [&] {
    ++in_flight;
    std::string key = "k" + std::to_string(next++);
    l.backend.submit({{"SET", key, "x"}, {"INCR", "writes"}}, [&](std::vector<redis_value>, std::exception_ptr failure) {
      --in_flight;
      if (!failure) {
        ++succeeded;
        if (l.backend.status().find(at(f.replica_port())) != std::string::npos) ++succeeded_on_new;
        return;
      }
      try {
        std::rethrow_exception(failure);
      } catch (const redis_unavailable& e) {
        ++unavailable;
        last_reason = e.what();
      } catch (const std::exception& e) {
        ++other;
        last_reason = e.what();
      }
    });
  };
  REQUIRE(l.run_until([&] {
    while (in_flight < 4) submit_one();
    return succeeded > 20;
  }));
  REQUIRE(f.sentinel_command(1, {"SENTINEL", "FAILOVER", "mymaster"}).text == "OK");
  bool moved = l.run_until([&] {
    while (in_flight < 4) submit_one();
    return succeeded_on_new > 50;
  }, 30s);
  INFO("last failure: " << last_reason << "; status: " << l.backend.status());
  REQUIRE(moved);
  REQUIRE(l.run_until([&] { return in_flight == 0; }));
  std::cout << "[sentinel switch under traffic] " << succeeded << " answered, " << unavailable << " unavailable, "
            << "retries " << l.backend.stats().retries << ", switches " << l.backend.stats().switches << "\n";
  CHECK(other == 0);
  CHECK(l.backend.stats().switches >= 1);
  // (Writes the old master took after the promotion are lost with it: Redis replicates
  // asynchronously. So no count is compared here.)
  CHECK(std::stoll(f.data_node(f.replica_port()).command({"GET", "writes"}).text) > 0);
}
