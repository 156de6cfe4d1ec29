// Issue 14, tls mode: the TLS layer between the loop's Redis client and real non-blocking
// sockets, against real `redis-server --tls-port` processes and a test CA made by `openssl`.
// The test plays the loop (poll() and on_tick), as in redis_loop_client_test.cpp.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/env_config.hpp"
#include "core/log.hpp"
#include "core/task.hpp"
#include "session-store/blocking_redis.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_settings.hpp"
#include "session-store/redis_socket_transport.hpp"
#include "session-store/redis_tls.hpp"
#include "support/process.hpp"
#include "support/redis_server.hpp"
#include "support/redis_tls_fixture.hpp"
#include "support/redis_test_loop.hpp"

using namespace sg;
using namespace std::chrono_literals;

namespace {

// The loop's client over the TLS layer over real sockets: raw events go to the TLS layer,
// plaintext events to the client. Declared bottom-up, so the client goes first.
using test::exec;
using test::failure_message;
using test::outcome;
using test::pipeline;
using test::start;
using test::value_of;

struct tls_loop {
  tls_loop(redis_endpoint endpoint, const redis_tls_options& tls_options, std::size_t connections = 2,
           std::chrono::milliseconds reply_timeout = 1000ms)
      : tls(std::make_shared<redis_tls_context>(tls_options), raw),
        client(std::move(endpoint), connections, tls, reply_timeout) {
    raw.attach(tls);
    tls.attach(client);
  }

  // Turns the loop until `condition` holds; false when the deadline (a hang) came first.
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 10s) {
    return test::turn_until(raw, client, condition, deadline);
  }

  redis_socket_transport raw;
  redis_tls_transport tls;
  redis_loop_client client;
};

// The plain client straight on the sockets (redis:// to a TLS port).
struct plain_loop {
  plain_loop(redis_endpoint endpoint, std::chrono::milliseconds reply_timeout)
      : client(std::move(endpoint), 1, raw, reply_timeout) {
    raw.attach(client);
  }
  bool run_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 10s) {
    return test::turn_until(raw, client, condition, deadline);
  }
  redis_socket_transport raw;
  redis_loop_client client;
};

template <class Loop>
outcome<redis_value> run(Loop& l, redis_command_args args, std::chrono::milliseconds deadline = 10s) {
  outcome<redis_value> out;
  start(exec(l.client, std::move(args)), out);
  REQUIRE(l.run_until([&] { return out.finished; }, deadline));  // never a hang
  return out;
}

redis_endpoint endpoint_of(const test::redis_tls_server& server, const std::string& host = "127.0.0.1") {
  redis_endpoint e;
  e.host = host;
  e.port = server.port();
  e.tls = true;
  return e;
}

// The process's stderr (where log_event writes) into a file while alive; `text()` reads it.
class stderr_capture {
 public:
  explicit stderr_capture(const std::string& path) : path_(path) {
    std::fflush(stderr);
    saved_ = ::dup(2);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~stderr_capture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    std::fputs(text().c_str(), stderr);  // still visible in the test's output
  }
  std::string text() const {
    std::fflush(stderr);
    std::ifstream in(path_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }
  // The first line holding `needle`, or "".
  std::string line_with(const std::string& needle) const {
    std::istringstream lines(text());
    std::string line;
    while (std::getline(lines, line))
      if (line.find(needle) != std::string::npos) return line;
    return "";
  }

 private:
  std::string path_;
  int saved_ = -1;
};

const test::test_pki& pki() { return test::shared_test_pki(); }

std::string config_error_variable(const redis_tls_options& options) {
  try {
    redis_tls_context context(options);
  } catch (const config_error& e) {
    INFO(e.what());
    return e.variable;
  }
  return "";
}

std::string config_error_text(const redis_tls_options& options) {
  try {
    redis_tls_context context(options);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

// Each worker pipelines an INCR with its own SET, then (inside the completion that resumed it)
// submits a GET: re-entrant submits from a completion that runs inside the TLS layer's read.
task<void> worker(redis_executor& redis, std::string counter, int id, std::vector<long long>& ticket,
                  std::vector<std::string>& read_back) {
  // Built before the co_await (GCC 12: no braced temporaries inside a co_await expression).
  std::string key = "key:" + std::to_string(id);
  std::vector<redis_command_args> commands{{"INCR", counter}, {"SET", key, "value " + std::to_string(id)}};
  auto replies = co_await redis.exec_pipeline(std::move(commands));
  ticket[static_cast<std::size_t>(id)] = replies.at(0).integer;
  redis_command_args get{"GET", key};
  auto value = co_await redis.exec(std::move(get));
  read_back[static_cast<std::size_t>(id)] = value.text;
}

}  // namespace

TEST_CASE("commands and pipelines from many coroutines go over TLS", "[redis_tls]") {
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki());
  const int workers = 200;

  // The certificate names both: an IP literal is checked as an address, a name as a DNS name.
  auto host = GENERATE(std::string("127.0.0.1"), std::string("localhost"));
  INFO("connecting to " << host);
  tls_loop l(endpoint_of(server, host), server.tls_options(), 4);

  std::vector<long long> ticket(workers, 0);
  std::vector<std::string> read_back(workers);
  int finished = 0;
  for (int id = 0; id < workers; ++id)
    start_detached(worker(l.client, "counter:" + host, id, ticket, read_back), [&](std::exception_ptr e) {
      CHECK_FALSE(e);
      ++finished;
    });
  REQUIRE(l.run_until([&] { return finished == workers; }));
  std::vector<long long> tickets = ticket;
  std::sort(tickets.begin(), tickets.end());
  for (int id = 0; id < workers; ++id) {
    CHECK(tickets[static_cast<std::size_t>(id)] == id + 1);
    CHECK(read_back[static_cast<std::size_t>(id)] == "value " + std::to_string(id));
  }
  CHECK(l.client.errors() == 0);
  CHECK(l.client.pending() == 0);
  CHECK(l.raw.opened() == 4);
  // What the server holds, read by redis-cli over its own TLS connection.
  CHECK(server.cli({"GET", "counter:" + host}) == std::to_string(workers));
  CHECK(server.cli({"GET", "key:7"}) == "value 7");
}

TEST_CASE("a 1 MiB value goes both ways over TLS records", "[redis_tls]") {
  test::scratch_dir scratch;
  // TLS 1.3 (Redis's choice by default) and TLS 1.2 (a server that offers no more).
  std::string protocol = GENERATE(std::string("TLSv1.3"), std::string("TLSv1.2"));
  INFO(protocol);
  test::redis_tls_server server(scratch.path(), pki(),
                                {.auth_clients = false, .elsewhere = false, .protocols = protocol == "TLSv1.2" ? protocol : ""});
  tls_loop l(endpoint_of(server), server.tls_options(), 2);
  set_log_level(log_level::debug);
  std::string connected;
  {
    stderr_capture log(scratch.path() + "/stderr.log");
    REQUIRE(value_of(run(l, {"PING"})).text == "PONG");
    connected = log.line_with("redis_tls_connected");
  }
  set_log_level(log_level::info);
  CHECK(connected.find("\"protocol\":\"" + protocol + "\"") != std::string::npos);

  std::string big(1 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131 + i / 7) & 0xff);  // every byte value
  std::string other = big;
  std::reverse(other.begin(), other.end());

  // Two big writes pipelined, and read back on the same connection (many records each way).
  outcome<redis_value> first, second, both;
  start(exec(l.client, {"SET", "big:1", big}), first);
  start(exec(l.client, {"SET", "big:2", other}), second);
  REQUIRE(l.run_until([&] { return first.finished && second.finished; }));
  CHECK(value_of(first).text == "OK");
  CHECK(value_of(second).text == "OK");
  CHECK(server.cli({"STRLEN", "big:1"}) == "1048576");

  auto got = value_of(run(l, {"GET", "big:1"}));
  CHECK(got.text.size() == big.size());
  CHECK(got.text == big);
  auto values = value_of(run(l, {"MGET", "big:2", "big:1"}));
  REQUIRE(values.elements.size() == 2);
  CHECK(values.elements[0].text == other);
  CHECK(values.elements[1].text == big);
  CHECK(l.client.errors() == 0);
}

TEST_CASE("a server certificate from another CA is refused with a clear log line", "[redis_tls]") {
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki());
  // An unrelated CA file, or none (the system's trust store, which never heard of the test CA).
  auto ca_file = GENERATE(std::string("other"), std::string(""));
  auto options = server.tls_options();
  options.ca_file = ca_file.empty() ? "" : pki().other_ca_cert;
  INFO("CA: " << (ca_file.empty() ? "the system's trust store" : options.ca_file));
  tls_loop l(endpoint_of(server), options, 2);

  stderr_capture log(scratch.path() + "/stderr.log");
  auto out = run(l, {"PING"});
  CHECK_FALSE(failure_message<redis_unavailable>(out).empty());
  auto line = log.line_with("redis_tls_refused");
  INFO(log.text());
  REQUIRE_FALSE(line.empty());
  CHECK(line.find("\"level\":\"error\"") != std::string::npos);
  // Redis sends its chain up to its own root, so OpenSSL's verdict names that root; a server
  // sending only its leaf gets "unable to get local issuer certificate".
  CHECK((line.find("certificate verify failed: self-signed certificate in certificate chain") != std::string::npos ||
         line.find("certificate verify failed: unable to get local issuer certificate") != std::string::npos));
  CHECK(line.find("\"host\":\"127.0.0.1\"") != std::string::npos);
  CHECK(line.find("\"port\":" + std::to_string(server.port())) != std::string::npos);
  CHECK(l.client.errors() >= 1);
  CHECK(l.client.pending() == 0);
  CHECK(l.raw.open_now() == 0);  // nothing left half open

  // Again: refused again, not stuck on a half-made session.
  CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"PING"})).empty());
  CHECK(l.raw.open_now() == 0);
}

TEST_CASE("without SOCIAL_AUTH_REDIS_CA_FILE the system's trust store verifies the server", "[redis_tls]") {
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki());
  auto options = server.tls_options();
  options.ca_file.clear();
  // OpenSSL's default store, pointed at the test CA for this process while the context loads
  // it (SSL_CERT_FILE is OpenSSL's own override of the system bundle's path).
  ::setenv("SSL_CERT_FILE", pki().ca_cert.c_str(), 1);
  std::unique_ptr<tls_loop> l;
  try {
    l = std::make_unique<tls_loop>(endpoint_of(server), options, 1);
  } catch (...) {
    ::unsetenv("SSL_CERT_FILE");
    throw;
  }
  ::unsetenv("SSL_CERT_FILE");
  CHECK(value_of(run(*l, {"PING"})).text == "PONG");
}

TEST_CASE("a server whose certificate names another host is refused", "[redis_tls]") {
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki(), {.auth_clients = false, .elsewhere = true, .protocols = ""});
  // The chain is good (the same CA); only the name is wrong.
  struct expectation {
    std::string host, reason;
  };
  auto expected = GENERATE(expectation{"127.0.0.1", "certificate verify failed: IP address mismatch"},
                           expectation{"localhost", "certificate verify failed: hostname mismatch"});
  INFO("connecting to " << expected.host);
  tls_loop l(endpoint_of(server, expected.host), server.tls_options(), 1);
  stderr_capture log(scratch.path() + "/stderr.log");
  CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"PING"})).empty());
  auto line = log.line_with("redis_tls_refused");
  INFO(log.text());
  CHECK(line.find(expected.reason) != std::string::npos);
  CHECK(line.find("\"host\":\"" + expected.host + "\"") != std::string::npos);
}

TEST_CASE("a client certificate the server requires is sent from the configured files", "[redis_tls]") {
  test::scratch_dir scratch;
  // Under TLS 1.3 the server checks the client's certificate after the client's handshake is
  // done (the refusal comes as an alert on the first read); under TLS 1.2 within the handshake.
  std::string protocols = GENERATE(std::string(""), std::string("TLSv1.2"));
  INFO("server protocols: " << (protocols.empty() ? "default" : protocols));
  test::redis_tls_server server(scratch.path(), pki(), {.auth_clients = true, .elsewhere = false, .protocols = protocols});

  SECTION("with SOCIAL_AUTH_REDIS_CERT_FILE and SOCIAL_AUTH_REDIS_KEY_FILE, commands work") {
    auto options = server.tls_options();
    REQUIRE(options.cert_file == pki().client_cert);
    tls_loop l(endpoint_of(server), options, 2);
    CHECK(value_of(run(l, {"SET", "with-cert", "yes"})).text == "OK");
    CHECK(server.cli({"GET", "with-cert"}) == "yes");
  }
  SECTION("through the factory's TLS backend (blocking_redis), the same") {
    blocking_redis redis(server.settings());
    CHECK(redis.command({"SET", "factory", "yes"}).text == "OK");
    CHECK(redis.command({"GET", "factory"}).text == "yes");
    CHECK(redis.backend().status().find("over TLS") != std::string::npos);
  }
  SECTION("without them, the server's refusal is logged and the caller gets redis_unavailable") {
    auto options = server.tls_options();
    options.cert_file.clear();
    options.key_file.clear();
    tls_loop l(endpoint_of(server), options, 2);
    stderr_capture log(scratch.path() + "/stderr.log");
    CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"SET", "without-cert", "yes"})).empty());
    auto line = log.line_with("redis_tls_refused");
    INFO(log.text());
    REQUIRE_FALSE(line.empty());
    // OpenSSL's reason ("tlsv13 alert certificate required", "sslv3 alert handshake failure"),
    // and what the server wanted.
    CHECK(line.find("the server asked for a client certificate and none is configured: "
                    "SOCIAL_AUTH_REDIS_CERT_FILE and SOCIAL_AUTH_REDIS_KEY_FILE") != std::string::npos);
    CHECK(server.cli({"EXISTS", "without-cert"}) == "0");
  }
}

TEST_CASE("unusable TLS files are configuration errors naming the variable", "[redis_tls]") {
  const auto& p = pki();
  redis_tls_options good;
  good.enabled = true;
  good.ca_file = p.ca_cert;
  good.cert_file = p.client_cert;
  good.key_file = p.client_key;
  CHECK(config_error_variable(good).empty());

  auto missing_ca = good;
  missing_ca.ca_file = p.dir + "/no-such-ca.pem";
  CHECK(config_error_variable(missing_ca) == "SOCIAL_AUTH_REDIS_CA_FILE");
  CHECK(config_error_text(missing_ca).find("no-such-ca.pem") != std::string::npos);

  auto garbage_ca = good;
  garbage_ca.ca_file = p.not_a_certificate;
  CHECK(config_error_variable(garbage_ca) == "SOCIAL_AUTH_REDIS_CA_FILE");

  auto missing_cert = good;
  missing_cert.cert_file = p.dir + "/no-such-cert.pem";
  CHECK(config_error_variable(missing_cert) == "SOCIAL_AUTH_REDIS_CERT_FILE");

  auto garbage_cert = good;
  garbage_cert.cert_file = p.not_a_certificate;
  CHECK(config_error_variable(garbage_cert) == "SOCIAL_AUTH_REDIS_CERT_FILE");

  auto missing_key = good;
  missing_key.key_file = p.dir + "/no-such-key.pem";
  CHECK(config_error_variable(missing_key) == "SOCIAL_AUTH_REDIS_KEY_FILE");

  auto mismatched = good;
  mismatched.key_file = p.server_key;  // a real key, of another certificate
  CHECK(config_error_variable(mismatched) == "SOCIAL_AUTH_REDIS_KEY_FILE");
  CHECK(config_error_text(mismatched).find("does not match the certificate") != std::string::npos);

  // A passphrase-protected key fails at once (no prompt on a terminal, no hang).
  auto encrypted = good;
  encrypted.key_file = p.encrypted_client_key;
  CHECK(config_error_variable(encrypted) == "SOCIAL_AUTH_REDIS_KEY_FILE");

  // Through the factory (what start-up and the tools use): the same error.
  redis_settings settings;
  settings.data.tls = true;
  settings.tls = mismatched;
  try {
    blocking_redis redis(settings);
    FAIL("a mismatched key was accepted");
  } catch (const config_error& e) {
    CHECK(e.variable == "SOCIAL_AUTH_REDIS_KEY_FILE");
  }
}

TEST_CASE("a killed TLS Redis fails the waiters and a restarted one is used again after a new handshake", "[redis_tls]") {
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki());
  tls_loop l(endpoint_of(server), server.tls_options(), 2);
  REQUIRE(value_of(run(l, {"PING"})).text == "PONG");

  // BLPOP with no timeout: in flight until the connection goes.
  outcome<redis_value> waiting;
  start(exec(l.client, {"BLPOP", "never-filled", "0"}), waiting);
  REQUIRE(l.run_until([&] { return server.cli({"INFO", "clients"}).find("blocked_clients:1") != std::string::npos; }));
  server.stop();
  REQUIRE(l.run_until([&] { return waiting.finished; }));
  CHECK(failure_message<redis_unavailable>(waiting) == "Redis connection lost");
  CHECK(l.client.pending() == 0);

  // While it is down: refused connects fail the batch, no hang.
  CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"PING"})).empty());

  server.start();
  auto opened = l.raw.opened();
  CHECK(value_of(run(l, {"SET", "after-restart", "yes"})).text == "OK");
  CHECK(l.raw.opened() > opened);  // a new connection, so a new handshake
  CHECK(server.cli({"GET", "after-restart"}) == "yes");
}

TEST_CASE("connections the TLS Redis drops are replaced with new handshakes", "[redis_tls]") {
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki());
  tls_loop l(endpoint_of(server), server.tls_options(), 2);
  REQUIRE(value_of(run(l, {"SET", "kept", "yes"})).text == "OK");

  outcome<redis_value> waiting;
  start(exec(l.client, {"BLPOP", "never-filled", "0"}), waiting);
  REQUIRE(l.run_until([&] { return server.cli({"INFO", "clients"}).find("blocked_clients:1") != std::string::npos; }));
  // Every client but redis-cli itself: the server ends the TLS sessions under the client.
  server.cli({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  REQUIRE(l.run_until([&] { return waiting.finished; }));
  CHECK(failure_message<redis_unavailable>(waiting) == "Redis connection lost");
  CHECK(value_of(run(l, {"GET", "kept"})).text == "yes");

  // An idle timeout on the server side: the next command finds its connection gone or new.
  server.cli({"CONFIG", "SET", "timeout", "1"});
  auto opened = l.raw.opened();
  REQUIRE(l.run_until([&] { return l.raw.open_now() == 0; }, 10s));  // the server closed them
  CHECK(value_of(run(l, {"GET", "kept"})).text == "yes");
  CHECK(l.raw.opened() > opened);
}

TEST_CASE("the wrong protocol on either side fails cleanly without a hang", "[redis_tls]") {
  test::scratch_dir scratch;

  SECTION("redis:// (plaintext) to a TLS port") {
    test::redis_tls_server server(scratch.path(), pki());
    redis_endpoint plain = endpoint_of(server);
    plain.tls = false;
    plain_loop l(plain, 1000ms);
    CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"PING"})).empty());
    CHECK(server.ping());  // the server is fine
  }
  SECTION("rediss:// to a plaintext port") {
    test::redis_server plain_server(scratch.path());
    redis_endpoint endpoint{"127.0.0.1", plain_server.port(), "", "", 0, true};
    tls_loop l(endpoint, redis_tls_options{true, pki().ca_cert, "", ""}, 1, 1000ms);
    // Redis answers the ClientHello with an error line (not a TLS record) or waits for a line
    // end; either way the batch fails: a refused handshake or the reply timeout.
    CHECK_FALSE(failure_message<redis_unavailable>(run(l, {"PING"})).empty());
    CHECK(l.raw.open_now() == 0);
  }
}

TEST_CASE("a completion that moves the client closes its TLS connection from inside the read", "[redis_tls]") {
  // The client's set_endpoint, called from a completion, closes the connection whose records
  // are being read: the TLS layer must not touch that session again. Then a new connection
  // (another name for the same server) handshakes and works.
  test::scratch_dir scratch;
  test::redis_tls_server server(scratch.path(), pki());
  tls_loop l(endpoint_of(server), server.tls_options(), 1);
  REQUIRE(value_of(run(l, {"SET", "moved", "yes"})).text == "OK");

  // Two replies in the same TLS read: the first completion moves the client; the second batch
  // on that connection fails (its connection was closed), it is not delivered from freed memory.
  bool moved = false;
  std::exception_ptr second_failure;
  bool second_done = false;
  l.client.submit({{"GET", "moved"}}, [&](std::vector<redis_value> replies, std::exception_ptr failure) {
    CHECK_FALSE(failure);
    CHECK(replies.at(0).text == "yes");
    l.client.set_endpoint(endpoint_of(server, "localhost"));
    moved = true;
  });
  l.client.submit({{"GET", "moved"}}, [&](std::vector<redis_value>, std::exception_ptr failure) {
    second_failure = failure;
    second_done = true;
  });
  REQUIRE(l.run_until([&] { return moved && second_done; }));
  CHECK(second_failure);
  CHECK(l.client.endpoint().host == "localhost");
  CHECK(value_of(run(l, {"GET", "moved"})).text == "yes");
}

TEST_CASE("the TLS variables follow the configuration rules", "[redis_tls][config]") {
  auto settings_of = [](std::map<std::string, std::string> values) {
    return redis_settings_from(load_config(env_reader(map_environment(std::move(values)))));
  };
  auto error_variable = [&](std::map<std::string, std::string> values) -> std::string {
    try {
      settings_of(std::move(values));
    } catch (const config_error& e) {
      return e.variable;
    }
    return "";
  };

  auto on = settings_of({{"REDIS_URL", "rediss://:pw@redis.internal:6380/2"},
                         {"SOCIAL_AUTH_REDIS_CA_FILE", "/etc/ca.pem"},
                         {"SOCIAL_AUTH_REDIS_CERT_FILE", "/etc/client.pem"},
                         {"SOCIAL_AUTH_REDIS_KEY_FILE", "/etc/client.key"}});
  CHECK(on.tls.enabled);
  CHECK(on.data.tls);
  CHECK(on.tls.ca_file == "/etc/ca.pem");
  CHECK(on.tls.cert_file == "/etc/client.pem");
  CHECK(on.tls.key_file == "/etc/client.key");
  CHECK(on.data.host == "redis.internal");
  CHECK(on.data.port == 6380);
  CHECK(on.data.database == 2);

  // rediss:// alone: the system's trust store, no client certificate.
  auto system_store = settings_of({{"REDIS_URL", "rediss://redis.internal:6380/0"}});
  CHECK(system_store.tls.enabled);
  CHECK(system_store.tls.ca_file.empty());

  // TLS also covers the sentinels.
  auto sentinels = settings_of({{"REDIS_URL", "rediss://redis.internal/0"},
                                {"REDIS_SENTINELS", "10.0.0.1:26379"},
                                {"REDIS_SENTINEL_MASTER", "mymaster"}});
  CHECK(sentinels.sentinel_at(sentinels.sentinels.at(0)).tls);

  // Files without rediss:// would silently not be used.
  CHECK(error_variable({{"REDIS_URL", "redis://127.0.0.1:6379/0"}, {"SOCIAL_AUTH_REDIS_CA_FILE", "/etc/ca.pem"}}) ==
        "SOCIAL_AUTH_REDIS_CA_FILE");
  CHECK(error_variable({{"REDIS_URL", "redis://127.0.0.1:6379/0"},
                        {"SOCIAL_AUTH_REDIS_CERT_FILE", "/etc/client.pem"},
                        {"SOCIAL_AUTH_REDIS_KEY_FILE", "/etc/client.key"}}) == "SOCIAL_AUTH_REDIS_CERT_FILE");
  CHECK(error_variable({{"SOCIAL_AUTH_REDIS_KEY_FILE", "/etc/client.key"}}) == "SOCIAL_AUTH_REDIS_KEY_FILE");
  // A certificate without its key, and a key without its certificate.
  CHECK(error_variable({{"REDIS_URL", "rediss://redis.internal/0"}, {"SOCIAL_AUTH_REDIS_CERT_FILE", "/etc/client.pem"}}) ==
        "SOCIAL_AUTH_REDIS_KEY_FILE");
  CHECK(error_variable({{"REDIS_URL", "rediss://redis.internal/0"}, {"SOCIAL_AUTH_REDIS_KEY_FILE", "/etc/client.key"}}) ==
        "SOCIAL_AUTH_REDIS_CERT_FILE");
}
