// The loop's non-blocking Redis client against a real redis-server. The test plays the loop:
// non-blocking TCP sockets and poll() (redis_socket_transport), delivering bytes and closes to
// the client as events.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/task.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_socket_transport.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/redis_test_loop.hpp"

using namespace sg;
using namespace std::chrono_literals;

namespace {

using test::exec;
using test::failure_message;
using test::outcome;
using test::pipeline;
using test::start;
using test::value_of;

// A client on its test loop.
struct loop {
  loop(redis_endpoint endpoint, std::size_t connections, std::chrono::milliseconds reply_timeout = 1000ms)
      : client(std::move(endpoint), connections, transport, reply_timeout) {
    transport.attach(client);
  }

  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 10s) {
    return test::turn_until(transport, client, condition, deadline);
  }

  redis_socket_transport transport;
  redis_loop_client client;
};

// Starts one command and runs the loop until it is answered.
outcome<redis_value> run(loop& l, redis_command_args args) {
  outcome<redis_value> out;
  start(exec(l.client, std::move(args)), out);
  REQUIRE(l.run_until([&] { return out.finished; }));
  return out;
}

redis_endpoint endpoint_of(test::redis_server& redis) { return redis_endpoint{"127.0.0.1", redis.port(), "", "", 0}; }

}  // namespace

TEST_CASE("a single command goes out and its reply comes back", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 2);

  REQUIRE(value_of(run(l, {"SET", "greeting", std::string("hel\0lo\r\n", 8)})).text == "OK");
  auto got = value_of(run(l, {"GET", "greeting"}));
  CHECK(got.type == redis_value::kind::string);
  CHECK(got.text == std::string("hel\0lo\r\n", 8));  // binary safe both ways
  CHECK(value_of(run(l, {"GET", "missing"})).is_nil());
  CHECK(l.client.pending() == 0);
  CHECK(l.client.in_use() == 0);
  CHECK(l.client.errors() == 0);
  CHECK(l.transport.opened() == 1);  // an idle connection is reused, not a second one opened
}

namespace {
// Each worker pipelines an INCR with its own SET, then (inside the completion that resumed it)
// submits a GET: re-entrant submits from `done`.
task<void> worker(redis_executor& redis, int id, std::vector<int>& completion_order, std::vector<long long>& ticket,
                  std::vector<std::string>& read_back) {
  // Commands built before the co_await: GCC 12 rejects string literals in a braced list
  // inside a co_await expression ("array used as initializer").
  std::string key = "key:" + std::to_string(id);
  std::vector<redis_command_args> commands{{"INCR", "counter"}, {"SET", key, "value " + std::to_string(id)}};
  auto replies = co_await redis.exec_pipeline(std::move(commands));
  completion_order.push_back(id);
  ticket[static_cast<std::size_t>(id)] = replies.at(0).integer;
  redis_command_args get{"GET", key};
  auto value = co_await redis.exec(std::move(get));
  read_back[static_cast<std::size_t>(id)] = value.text;
}
}  // namespace

TEST_CASE("many batches from many coroutines are pipelined and matched in order", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  const int workers = 200;

  SECTION("on one connection, replies come back in the order the batches went out") {
    loop l(endpoint_of(redis), 1);
    std::vector<int> order;
    std::vector<long long> ticket(workers, 0);
    std::vector<std::string> read_back(workers);
    int finished = 0;
    for (int id = 0; id < workers; ++id)
      start_detached(worker(l.client, id, order, ticket, read_back), [&](std::exception_ptr e) {
        CHECK_FALSE(e);
        ++finished;
      });
    CHECK(l.client.pending() == static_cast<std::size_t>(workers));  // all in flight at once
    REQUIRE(l.run_until([&] { return finished == workers; }));
    for (int id = 0; id < workers; ++id) {
      CHECK(order[static_cast<std::size_t>(id)] == id);
      CHECK(ticket[static_cast<std::size_t>(id)] == id + 1);
      CHECK(read_back[static_cast<std::size_t>(id)] == "value " + std::to_string(id));
    }
    CHECK(l.transport.opened() == 1);
  }

  SECTION("spread over several connections, every batch gets its own replies") {
    loop l(endpoint_of(redis), 4);
    std::vector<int> order;
    std::vector<long long> ticket(workers, 0);
    std::vector<std::string> read_back(workers);
    int finished = 0;
    for (int id = 0; id < workers; ++id)
      start_detached(worker(l.client, id, order, ticket, read_back), [&](std::exception_ptr e) {
        CHECK_FALSE(e);
        ++finished;
      });
    CHECK(l.client.in_use() == 4);  // all busy at once: every connection was opened
    REQUIRE(l.run_until([&] { return finished == workers; }));
    std::vector<long long> tickets = ticket;
    std::sort(tickets.begin(), tickets.end());
    for (int id = 0; id < workers; ++id) {
      CHECK(tickets[static_cast<std::size_t>(id)] == id + 1);  // each INCR answered once
      CHECK(read_back[static_cast<std::size_t>(id)] == "value " + std::to_string(id));
    }
    CHECK(l.transport.opened() == 4);
    CHECK(l.client.in_use() == 0);
    CHECK(l.client.pending() == 0);
  }
}

TEST_CASE("eval sends the script again after SCRIPT FLUSH", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 2);
  redis_script script("redis.call('SET', KEYS[1], ARGV[1]); return redis.call('STRLEN', KEYS[1])");

  REQUIRE(value_of(run(l, {"SCRIPT", "FLUSH"})).text == "OK");
  outcome<redis_value> first;
  start(l.client.eval(script, {"scripted"}, {"twelve bytes"}), first);
  REQUIRE(l.run_until([&] { return first.finished; }));
  CHECK(value_of(first).integer == 12);
  auto known = value_of(run(l, {"SCRIPT", "EXISTS", script.sha1}));
  REQUIRE(known.elements.size() == 1);
  CHECK(known.elements[0].integer == 1);  // the EVAL fallback loaded it

  outcome<redis_value> second;
  start(l.client.eval(script, {"scripted"}, {"four"}), second);
  REQUIRE(l.run_until([&] { return second.finished; }));
  CHECK(value_of(second).integer == 4);
  CHECK(value_of(run(l, {"GET", "scripted"})).text == "four");
}

TEST_CASE("AUTH goes first on a new connection, a refusal is clear and names no password", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  // The helper's own pool connections stay authenticated after requirepass is set.
  redis.client().command({"CONFIG", "SET", "requirepass", "right horse battery"});
  redis.client().command({"ACL", "SETUSER", "gateway", "on", ">staple of the user", "~*", "+@all"});

  SECTION("the password") {
    auto endpoint = endpoint_of(redis);
    endpoint.password = "right horse battery";
    loop l(endpoint, 2);
    CHECK(value_of(run(l, {"SET", "k", "v"})).text == "OK");
    CHECK(value_of(run(l, {"GET", "k"})).text == "v");
    CHECK(l.client.errors() == 0);
  }
  SECTION("a user and its password") {
    auto endpoint = endpoint_of(redis);
    endpoint.username = "gateway";
    endpoint.password = "staple of the user";
    loop l(endpoint, 2);
    CHECK(value_of(run(l, {"ACL", "WHOAMI"})).text == "gateway");
  }
  SECTION("a wrong password") {
    auto endpoint = endpoint_of(redis);
    endpoint.password = "wrong horse";
    loop l(endpoint, 2);
    // Two batches wait on the same new connection: both fail.
    outcome<redis_value> first, second;
    start(exec(l.client, {"GET", "k"}), first);
    start(exec(l.client, {"GET", "k"}), second);
    REQUIRE(l.run_until([&] { return first.finished && second.finished; }));
    auto message = failure_message<redis_unavailable>(first);
    CHECK(message.find("Redis refused the connection setup: WRONGPASS") == 0);
    CHECK(message.find("wrong horse") == std::string::npos);
    CHECK(failure_message<redis_unavailable>(second).find("wrong horse") == std::string::npos);
    CHECK(l.client.errors() >= 1);
    CHECK(l.client.pending() == 0);
  }
  SECTION("no password where Redis wants one") {
    loop l(endpoint_of(redis), 1);
    CHECK(failure_message<redis_command_error>(run(l, {"GET", "k"})).find("NOAUTH") == 0);
  }
}

TEST_CASE("SELECT picks the database before the first batch", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  auto endpoint = endpoint_of(redis);
  endpoint.database = 3;
  loop l(endpoint, 2);

  REQUIRE(value_of(run(l, {"SET", "in-three", "yes"})).text == "OK");
  CHECK(redis.client().command({"GET", "in-three"}).is_nil());  // not in database 0
  redis_pool three(endpoint, 1);
  CHECK(three.command({"GET", "in-three"}).text == "yes");
}

TEST_CASE("a killed Redis fails the waiters, a restarted one is used again", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 2);
  REQUIRE(value_of(run(l, {"PING"})).text == "PONG");

  // BLPOP with no timeout: in flight until the connection goes.
  outcome<redis_value> waiting;
  start(exec(l.client, {"BLPOP", "never-filled", "0"}), waiting);
  REQUIRE(l.client.pending() == 1);
  REQUIRE(l.run_until([&] { return redis.client().command({"INFO", "clients"}).text.find("blocked_clients:1") != std::string::npos; }));
  redis.stop();
  REQUIRE(l.run_until([&] { return waiting.finished; }));
  CHECK(failure_message<redis_unavailable>(waiting) == "Redis connection lost");
  CHECK(l.client.errors() >= 1);
  CHECK(l.client.pending() == 0);

  // While Redis is down: the connection is refused and the batch fails, not hangs.
  CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"PING"})).empty());

  redis.start();
  CHECK(value_of(run(l, {"PING"})).text == "PONG");
}

namespace {
// SIGCONT on the way out, whatever the test asserted.
struct stopped_process {
  explicit stopped_process(pid_t p) : pid(p) { ::kill(pid, SIGSTOP); }
  ~stopped_process() { ::kill(pid, SIGCONT); }
  pid_t pid;
};

pid_t process_id(test::redis_server& redis) {
  auto info = redis.client().command({"INFO", "server"}).text;
  auto at = info.find("process_id:");
  REQUIRE(at != std::string::npos);
  return static_cast<pid_t>(std::stol(info.substr(at + 11)));
}
}  // namespace

TEST_CASE("a Redis that stops answering fails the waiter on a tick", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 1, 300ms);
  REQUIRE(value_of(run(l, {"PING"})).text == "PONG");
  auto errors_before = l.client.errors();
  {
    stopped_process hung(process_id(redis));
    outcome<redis_value> waiting;
    start(exec(l.client, {"PING"}), waiting);
    REQUIRE(l.run_until([&] { return waiting.finished; }));  // the loop's own deadline is 10 s
    CHECK(failure_message<redis_unavailable>(waiting) == "Redis did not answer in time");
    CHECK(l.client.errors() == errors_before + 1);
    CHECK(l.client.in_use() == 0);
  }
  CHECK(value_of(run(l, {"PING"})).text == "PONG");  // a new connection once Redis runs again
}

TEST_CASE("error replies: a command error fails its batch, OOM means unavailable", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 2);
  REQUIRE(value_of(run(l, {"SET", "text", "not a number"})).text == "OK");

  CHECK(failure_message<redis_command_error>(run(l, {"INCR", "text"})).find("ERR") == 0);

  outcome<std::vector<redis_value>> batch;
  start(pipeline(l.client, {{"SET", "a", "1"}, {"INCR", "text"}, {"GET", "a"}}), batch);
  REQUIRE(l.run_until([&] { return batch.finished; }));
  CHECK(failure_message<redis_command_error>(batch).find("ERR") == 0);
  CHECK(l.client.errors() == 0);  // a bug, not an outage
  // The connection stays in step: the next reply is the next command's.
  CHECK(value_of(run(l, {"GET", "a"})).text == "1");

  redis.client().command({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  redis.client().command({"CONFIG", "SET", "maxmemory", "1"});
  CHECK(failure_message<redis_unavailable>(run(l, {"SET", "b", "2"})).find("OOM") != std::string::npos);
  CHECK(l.client.errors() == 1);
  redis.client().command({"CONFIG", "SET", "maxmemory", "0"});
  CHECK(value_of(run(l, {"SET", "b", "2"})).text == "OK");
}

TEST_CASE("a connection that cannot even start fails the batch at once", "[redis_loop]") {
  loop l(redis_endpoint{"not-an-address", 6379, "", "", 0}, 2);
  outcome<redis_value> out;
  start(exec(l.client, {"PING"}), out);
  REQUIRE(out.finished);  // inline, before any loop turn
  CHECK(failure_message<redis_unavailable>(out).find("cannot connect to Redis") == 0);
  CHECK(l.client.errors() == 1);
  CHECK(l.client.pending() == 0);
}

TEST_CASE("shutdown fails what waits and refuses what comes after", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 2);
  outcome<redis_value> waiting;
  start(exec(l.client, {"BLPOP", "never-filled", "0"}), waiting);
  REQUIRE(l.client.pending() == 1);
  l.client.shutdown();
  CHECK(failure_message<redis_unavailable>(waiting) == "the service is stopping");
  CHECK(l.client.pending() == 0);

  outcome<redis_value> late;
  start(exec(l.client, {"PING"}), late);
  REQUIRE(late.finished);
  CHECK(failure_message<redis_unavailable>(late) == "the service is stopping");
}

namespace {
task<void> stop_after_reply(redis_loop_client& client, outcome<redis_value>& out) {
  redis_command_args ping{"PING"};
  out.value.emplace(co_await client.exec(std::move(ping)));
  out.finished = true;
  client.shutdown();
}
}  // namespace

TEST_CASE("a completion may stop the client while later replies are still being read", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 1);
  REQUIRE(value_of(run(l, {"PING"})).text == "PONG");  // the connection is up: the replies below come together

  outcome<redis_value> first, second, third;
  start_detached(stop_after_reply(l.client, first), [](std::exception_ptr) {});
  start(exec(l.client, {"ECHO", "two"}), second);
  start(exec(l.client, {"ECHO", "three"}), third);
  REQUIRE(l.run_until([&] { return first.finished && second.finished && third.finished; }));
  CHECK(value_of(first).text == "PONG");
  CHECK(failure_message<redis_unavailable>(second) == "the service is stopping");
  CHECK(failure_message<redis_unavailable>(third) == "the service is stopping");
}

namespace {
// A server that answers the first bytes it reads with `reply`, then keeps the connection open
// (so only the reply itself can end the wait, or the reply timeout).
class scripted_server {
 public:
  explicit scripted_server(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[1024];
      if (::recv(client, buffer, sizeof buffer, 0) > 0) ::send(client, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::recv(client, buffer, sizeof buffer, 0);  // until the client closes
      ::close(client);
    });
  }
  ~scripted_server() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};
}  // namespace

TEST_CASE("a reply declaring more elements than any answer has is refused before hiredis allocates them", "[redis_loop]") {
  // hiredis 0.14 allocates an array's element table when it reads the count: 300,000,000
  // elements would be a 2.4 GB table; nested arrays add up the same way.
  std::string nested = "*1000\r\n";
  for (int i = 0; i < 1000; ++i) nested += "*1000\r\n";
  for (const std::string& reply : {std::string("*300000000\r\n"), nested}) {
    scripted_server server(reply);
    loop l(redis_endpoint{"127.0.0.1", server.port(), "", "", 0}, 1, 30s);
    auto out = run(l, {"PING"});
    // At once, as a reply that cannot be read: not after the reply timeout (30 s).
    CHECK(failure_message<redis_unavailable>(out) == "Redis sent a reply that cannot be read");
    CHECK(l.client.errors() == 1);
  }
}

TEST_CASE("a reply with many elements within the bound is read whole", "[redis_loop]") {
  test::scratch_dir scratch;
  test::redis_server redis(scratch.path());
  loop l(endpoint_of(redis), 1);
  redis_command_args push{"RPUSH", "big"};
  for (int i = 0; i < 100000; ++i) push.push_back(std::to_string(i));
  REQUIRE(value_of(run(l, push)).integer == 100000);
  auto all = value_of(run(l, {"LRANGE", "big", "0", "-1"}));
  REQUIRE(all.elements.size() == 100000);
  CHECK(all.elements.back().text == "99999");
}
