// The public HTTP server's connection handling (issue 13), over raw sockets against real
// replicas: many idle and slow connections, limits enforced while reading with memory bounded,
// Range ignored, pipelining, ambiguous lengths refused, connection caps, request and keep-alive
// deadlines, SIGTERM with open connections, several event loops, the retired thread variable.
// No timing is asserted: deadlines are at least 10x the normal figure and memory bounds far above
// the idle figure, there only to catch hangs and unbounded growth.
#include <catch2/catch.hpp>

#include <signal.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "support/deployment.hpp"
#include "support/process_stats.hpp"
#include "support/slow_clients.hpp"
#include "support/socket_client.hpp"
#include "support/wait.hpp"

using namespace sg::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t mib = 1024 * 1024;

// 127.0.0.2, 127.0.0.3, ...: other peers as far as per-address caps can tell.
std::string other_address(std::size_t index) { return "127.0.0." + std::to_string(2 + index); }

// Open connections that each had one request answered and then went quiet (keep-alive),
// spread over other loopback addresses, `per_address` on each, starting at other_address(first).
struct idle_connections {
  std::vector<client_socket> sockets;
  std::size_t answered = 0;
};

idle_connections open_idle(int port, std::size_t count, std::size_t first, std::size_t per_address) {
  idle_connections idle;
  for (std::size_t i = 0; i < count; ++i) {
    auto socket = client_socket::connect_to(port, other_address(first + i / per_address));
    socket.send_all(get_request("/healthz"));
    idle.sockets.push_back(std::move(socket));
  }
  for (const auto& answer : read_answers(idle.sockets, 60s))
    if (answer && answer->status == 200) ++idle.answered;
  return idle;
}

// A connection from `source` whose GET /healthz was served, retried for a while: a connection
// the test closed a moment ago may still count against a cap until the server sees the close.
std::optional<client_socket> served_connection(int port, const std::string& source) {
  std::optional<client_socket> held;
  wait_until([&] {
    auto socket = client_socket::connect_to(port, source);
    socket.send_all(get_request("/healthz"));
    auto answer = socket.read_answer();
    if (!answer || answer->status != 200) return false;
    held = std::move(socket);
    return true;
  });
  return held;
}

// One request on a fresh connection from 127.0.0.1; the answer, and whether the server closed
// the connection after it.
struct exchange {
  std::optional<http_answer> answer;
  bool closed_after = false;
};

exchange send_once(int port, const std::string& request, bool wait_for_close = false) {
  auto socket = client_socket::connect_to(port);
  socket.send_all(request);  // the server may stop reading early; its answer is still read
  exchange out;
  out.answer = socket.read_answer();
  if (wait_for_close) out.closed_after = socket.wait_closed();
  return out;
}

int status_of(const exchange& e) { return e.answer ? e.answer->status : 0; }

// gzip of `inflated` zero bytes: a tiny body that a server which decompresses would blow up.
std::string gzip_of_zeros(std::size_t inflated) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string zeros(mib, '\0'), out, buffer(mib, '\0');
  for (std::size_t fed = 0; fed <= inflated; fed += zeros.size()) {
    bool last = fed + zeros.size() > inflated;
    z.next_in = reinterpret_cast<Bytef*>(zeros.data());
    z.avail_in = static_cast<uInt>(last ? inflated - fed : zeros.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(buffer.data());
      z.avail_out = static_cast<uInt>(buffer.size());
      deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
      out.append(buffer.data(), buffer.size() - z.avail_out);
    } while (z.avail_out == 0);
  }
  deflateEnd(&z);
  return out;
}

std::string chunked(const std::string& body, std::size_t piece = 8192) {
  std::string out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    auto part = body.substr(at, piece);
    std::ostringstream size;
    size << std::hex << part.size();
    out += size.str() + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string post_head(const std::string& target, const std::string& headers) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
}

// A sanitizer build keeps freed memory in quarantine (256 MB by default), which would read as
// growth: keep it small for the replica whose memory is measured. Ignored without ASan.
std::string asan_options_small_quarantine() {
  const char* inherited = std::getenv("ASAN_OPTIONS");
  return std::string(inherited ? inherited : "") + (inherited && *inherited ? ":" : "") + "quarantine_size_mb=16";
}

const char* token_path = "/api/auth/github/login/token";

}  // namespace

TEST_CASE("1000 idle keep-alive connections and 100 slow ones do not keep a client from its answers", "[connections]") {
  raise_open_file_limit();
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  const std::string session_cookie = "Cookie: sg_sessionid=" + b.cookies.at("sg_sessionid") + "\r\n";
  const int port = port_of(env.replica(0));

  // 100 per address, under the default per-address cap of 256.
  auto idle = open_idle(port, 1000, 0, 100);
  REQUIRE(idle.answered == 1000);
  // 10 per address on addresses of their own, one byte a second each, reopened when dropped.
  std::vector<std::string> slow_sources;
  for (std::size_t i = 0; i < 100; ++i) slow_sources.push_back(other_address(20 + i / 10));
  slow_clients slow(port, slow_sources);
  REQUIRE(wait_until([&] { return slow.open_now() == 100; }, 30s));

  // A client's requests while the trickle lasts longer than the default request deadline (10 s),
  // so slow connections are also being dropped and reopened meanwhile.
  // One round per tick of the trickle (waiting for the tick is pacing, not synchronisation).
  for (std::size_t round = 1; round <= 16; ++round) {
    const auto tick = slow.ticks();
    wait_until([&] { return slow.ticks() > tick; }, 10s);
    INFO("round " << round << ", slow connections open " << slow.open_now() << ", dropped so far " << slow.dropped());
    auto client = client_socket::connect_to(port);
    client.send_all(get_request("/healthz"));
    auto health = client.read_answer(10s);
    REQUIRE(health);
    CHECK(health->status == 200);
    client.send_all(get_request("/api/auth/verify", session_cookie));
    auto verify = client.read_answer(10s);
    REQUIRE(verify);
    CHECK(verify->status == 200);
    CHECK(verify->header("X-Auth-Username") == "octocat");
  }
  // The idle connections were real keep-alive connections, still served.
  std::vector<client_socket> sample;
  for (std::size_t i = 0; i < idle.sockets.size(); i += 100) {
    idle.sockets[i].send_all(get_request("/healthz"));
    sample.push_back(std::move(idle.sockets[i]));
  }
  for (const auto& answer : read_answers(sample, 10s)) CHECK((answer && answer->status == 200));
  CHECK(env.replica_process(0).running());
}

TEST_CASE("each oversized or malformed input gets its status and the connection closes", "[connections][limits]") {
  deployment env;
  const int port = port_of(env.replica(0));
  auto check = [&](const std::string& what, const std::string& request, int status) {
    INFO(what);
    auto e = send_once(port, request, true);
    CHECK(status_of(e) == status);
    CHECK(e.closed_after);
  };
  check("request line over 8 KiB", get_request("/" + std::string(9000, 'a')), 414);
  std::string many, few;
  for (int i = 0; i < 100; ++i) many += "X-Filler-" + std::to_string(i) + ": x\r\n";
  for (int i = 0; i < 40; ++i) few += "X-Filler-" + std::to_string(i) + ": x\r\n";
  check("more than 64 headers", get_request("/healthz", many), 431);
  check("a header over 8 KiB", get_request("/healthz", "X-Big: " + std::string(9000, 'b') + "\r\n"), 431);
  std::string big_body(70000, '{');
  check("Content-Length over 64 KiB",
        post_head(token_path, "Content-Type: application/json\r\nContent-Length: 70000\r\n") + big_body, 413);
  check("a chunked body over 64 KiB",
        post_head(token_path, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + chunked(big_body), 413);
  auto gzip = gzip_of_zeros(60 * mib);  // about 61 KB, under the body limit
  REQUIRE(gzip.size() < 65536);
  check("a gzip body (Content-Encoding)",
        post_head(token_path, "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " +
                                  std::to_string(gzip.size()) + "\r\n") + gzip,
        415);

  // Inputs under the limits are served on the same replica.
  CHECK(status_of(send_once(port, get_request("/healthz", few))) == 200);
  CHECK(status_of(send_once(port, get_request("/healthz", "X-Big: " + std::string(4000, 'b') + "\r\n"))) == 200);
  CHECK(status_of(send_once(port, get_request("/healthz?" + std::string(4000, 'a')))) == 200);
}

TEST_CASE("huge inputs are refused while reading and the replica's memory stays bounded", "[connections][limits][memory]") {
  deployment_options options;
  options.env["ASAN_OPTIONS"] = asan_options_small_quarantine();
  deployment env(options);
  const int port = port_of(env.replica(0));
  const pid_t pid = env.replica_process(0).pid();
  for (int i = 0; i < 20; ++i) REQUIRE(status_of(send_once(port, get_request("/healthz"))) == 200);
  const long idle_kib = resident_kib(pid);
  REQUIRE(idle_kib > 0);
  const long bound_kib = idle_kib + 100 * 1024;  // the request limits are 64 KiB; 100 MB is slack
  long peak_kib = idle_kib;
  auto sample = [&] { peak_kib = std::max(peak_kib, resident_kib(pid)); };

  // Each input: what it opens with, what follows (any offset of it), its whole size.
  struct huge_input {
    std::string what;
    std::string start;
    std::function<std::string_view(std::size_t)> rest;
    std::size_t total;
    int status;
  };
  const std::string filler_a(64 * 1024, 'a'), filler_c(64 * 1024, 'c');
  auto repeating = [](const std::string& unit) {
    return [text = &unit](std::size_t offset) { return std::string_view(*text).substr(offset % text->size()); };
  };
  std::string headers;
  for (int i = 0; i < 25600; ++i) headers += "X-Filler-" + std::to_string(i) + ": v\r\n";
  headers += "\r\n";
  const std::string gzip_body = chunked(gzip_of_zeros(300 * mib));  // about 300 KB on the wire
  std::string chunk_unit = "1000\r\n" + std::string(4096, 'b') + "\r\n";
  auto from_string = [](const std::string& whole) {
    return [text = &whole](std::size_t offset) { return std::string_view(*text).substr(offset, 64 * 1024); };
  };

  std::vector<huge_input> inputs = {
      {"a 200 MiB request line without a newline", "GET /", repeating(filler_a), 200 * mib, 414},
      {"25,600 headers", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", from_string(headers), headers.size(), 431},
      {"300 KB of chunked gzip with Content-Encoding: gzip",
       post_head(token_path, "Content-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
       from_string(gzip_body), gzip_body.size(), 415},
      {"a 200 MiB chunked body", post_head(token_path, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"),
       repeating(chunk_unit), 200 * mib - 200 * mib % chunk_unit.size(), 413},
      {"Content-Length: 200 MiB",
       post_head(token_path, "Content-Type: application/json\r\nContent-Length: " + std::to_string(200 * mib) + "\r\n"),
       repeating(filler_c), 200 * mib, 413},
  };
  // Twice: memory freed after the first round must be reused, not added to.
  for (int round = 1; round <= 2; ++round) {
    for (const auto& input : inputs) {
      INFO(input.what << " (round " << round << ")");
      auto socket = client_socket::connect_to(port);
      socket.send_all(input.start);
      auto outcome = socket.stream(input.total, input.rest, sample, 120s);
      INFO("sent " << outcome.sent << " of " << input.total << " bytes; RSS idle " << idle_kib << " KiB, peak "
                   << peak_kib << " KiB");
      CHECK_FALSE(outcome.timed_out);
      if (input.total > 100 * mib) CHECK(outcome.peer_stopped);  // refused long before the end
      auto answer = socket.read_answer(10s);
      sample();
      CHECK(peak_kib <= bound_kib);
      CHECK((answer ? answer->status : 0) == input.status);
    }
  }
  CHECK(status_of(send_once(port, get_request("/healthz"))) == 200);
  sample();
  CHECK(peak_kib <= bound_kib);
  CHECK(env.replica_process(0).running());
}

TEST_CASE("Range is ignored: /metrics answers 200 with the whole body once", "[connections]") {
  deployment env;
  std::string ranges = "Range: bytes=0-";
  for (int i = 0; i < 2000; ++i) ranges += ",0-";  // about 6 KB, under the header limit
  auto e = send_once(port_of(env.replica(0)), get_request("/metrics", ranges + "\r\n"));
  REQUIRE(e.answer);
  CHECK(e.answer->status == 200);
  CHECK(e.answer->count("Content-Range") == 0);
  CHECK(e.answer->header("Content-Type").find("multipart") == std::string::npos);
  const auto& body = e.answer->body;
  REQUIRE_FALSE(body.empty());
  CHECK(body.size() < mib);
  auto first_line = body.substr(0, body.find('\n') + 1);
  CHECK(body.find(first_line, first_line.size()) == std::string::npos);  // not repeated
}

TEST_CASE("pipelined requests in one packet are all answered in order", "[connections]") {
  deployment env;
  const int port = port_of(env.replica(0));
  // The statuses of the next `count` answers on `socket`, 0 for each one missing.
  auto statuses_of = [](client_socket& socket, int count) {
    std::vector<int> statuses;
    for (int i = 0; i < count; ++i) {
      auto answer = socket.read_answer();
      statuses.push_back(answer ? answer->status : 0);
    }
    return statuses;
  };
  {
    auto socket = client_socket::connect_to(port);
    REQUIRE(socket.send_all(get_request("/healthz") + get_request("/healthz") + get_request("/healthz")));
    CHECK(statuses_of(socket, 3) == std::vector<int>{200, 200, 200});
  }
  {  // Different answers show the order.
    auto socket = client_socket::connect_to(port);
    REQUIRE(socket.send_all(get_request("/api/auth/verify") + get_request("/healthz") + get_request("/no-such-page")));
    CHECK(statuses_of(socket, 3) == std::vector<int>{401, 200, 404});
  }
  {  // A POST without Content-Length has an empty body: the GET after it is the next request.
    auto socket = client_socket::connect_to(port);
    REQUIRE(socket.send_all(post_head("/api/auth/logout", "") + get_request("/healthz")));
    CHECK(statuses_of(socket, 2) == std::vector<int>{200, 200});
  }
}

TEST_CASE("conflicting or duplicate Content-Length or Content-Length with Transfer-Encoding is a 400 and the connection closes", "[connections]") {
  deployment env;
  const int port = port_of(env.replica(0));
  auto check = [&](const std::string& what, const std::string& headers, const std::string& body) {
    INFO(what);
    auto e = send_once(port, post_head("/api/auth/logout", headers) + body, true);
    CHECK(status_of(e) == 400);
    CHECK(e.closed_after);
  };
  check("two different lengths", "Content-Length: 2\r\nContent-Length: 3\r\n", "{} ");
  check("the same length twice", "Content-Length: 2\r\nContent-Length: 2\r\n", "{}");
  check("a length and chunked", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n");
  // Still serving.
  CHECK(status_of(send_once(port, get_request("/healthz"))) == 200);
}

TEST_CASE("over the connection cap a connection gets 503 and is closed", "[connections][caps]") {
  deployment_options options;
  options.env["SOCIALGATE_MAX_CONNECTIONS"] = "50";
  deployment env(options);
  const int port = port_of(env.replica(0));
  std::vector<client_socket> held;
  for (int i = 0; i < 50; ++i) {
    auto socket = served_connection(port, other_address(static_cast<std::size_t>(i % 5)));
    REQUIRE(socket);
    held.push_back(std::move(*socket));
  }
  auto over = send_once(port, get_request("/healthz"), true);
  CHECK(status_of(over) == 503);
  CHECK(over.closed_after);
  // A place freed is a place taken again.
  held.pop_back();
  CHECK(served_connection(port, "127.0.0.1"));
}

TEST_CASE("over the per-address cap a connection gets 503 unless it comes from a trusted proxy", "[connections][caps]") {
  deployment_options options;
  options.env["SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS"] = "10";
  deployment env(options);
  {
    const int port = port_of(env.replica(0));
    std::vector<client_socket> held;
    for (int i = 0; i < 10; ++i) {
      auto socket = served_connection(port, "127.0.0.1");
      REQUIRE(socket);
      held.push_back(std::move(*socket));
    }
    auto over = send_once(port, get_request("/healthz"), true);
    CHECK(status_of(over) == 503);
    CHECK(over.closed_after);
    // Another peer is not affected.
    auto other = client_socket::connect_to(port, other_address(0));
    other.send_all(get_request("/healthz"));
    auto answer = other.read_answer();
    CHECK((answer && answer->status == 200));
  }
  {
    auto proxied = env.start_replica({{"SOCIAL_AUTH_TRUSTED_PROXIES", "127.0.0.1/32"}});
    const int port = port_of(env.replica(proxied));
    std::vector<client_socket> held;
    for (int i = 0; i < 10; ++i) {
      auto socket = served_connection(port, "127.0.0.1");
      REQUIRE(socket);
      held.push_back(std::move(*socket));
    }
    for (int i = 0; i < 5; ++i) {  // the 11th to 15th: a proxy carries many clients
      auto socket = client_socket::connect_to(port);
      socket.send_all(get_request("/healthz"));
      auto answer = socket.read_answer();
      CHECK((answer && answer->status == 200));
      held.push_back(std::move(socket));
    }
  }
}

TEST_CASE("a request not whole by the request deadline is dropped and an idle keep-alive connection is closed", "[connections][deadlines]") {
  deployment_options options;
  options.env["SOCIALGATE_REQUEST_DEADLINE_SECONDS"] = "2";
  options.env["SOCIALGATE_KEEPALIVE_IDLE_SECONDS"] = "2";
  deployment env(options);
  const int port = port_of(env.replica(0));
  {
    // Two bytes a second: alive by any per-read timeout, but never whole in time.
    const std::string request = get_request("/healthz", "X-Slow: " + std::string(200, 'a') + "\r\n");
    auto socket = client_socket::connect_to(port);
    std::size_t sent = 0;
    bool closed = false;
    auto give_up = std::chrono::steady_clock::now() + 20s;  // 10x the deadline
    while (!closed && std::chrono::steady_clock::now() < give_up) {
      if (sent < request.size() && socket.send_all(request.substr(sent, 1))) ++sent;
      closed = socket.wait_closed(500ms);  // paces the trickle; returns at once on a close
    }
    INFO("bytes trickled before the close: " << sent << " of " << request.size());
    CHECK(closed);
    CHECK(sent < request.size());
    if (auto answer = socket.take_answer()) CHECK(answer->status == 408);  // answering first is allowed
  }
  {
    auto socket = client_socket::connect_to(port);
    REQUIRE(socket.send_all(get_request("/healthz")));
    auto answer = socket.read_answer();
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(answer->header("Connection") != "close");
    CHECK(socket.wait_closed(20s));  // 10x the idle time
  }
  CHECK(status_of(send_once(port, get_request("/healthz"))) == 200);
}

TEST_CASE("SIGTERM with 1000 idle connections open exits 0", "[connections]") {
  raise_open_file_limit();
  deployment env;
  auto idle = open_idle(port_of(env.replica(0)), 1000, 0, 100);
  REQUIRE(idle.answered == 1000);
  env.replica_process(0).signal(SIGTERM);
  auto status = env.replica_process(0).wait_exit(30s);  // normally well under a second
  REQUIRE(status);
  CHECK(*status == 0);
}

TEST_CASE("with two event loops logins and verify work over many connections", "[connections]") {
  deployment_options options;
  options.env["SOCIALGATE_EVENT_LOOPS"] = "2";
  deployment env(options);
  const int port = port_of(env.replica(0));
  for (int user = 0; user < 6; ++user) {
    auto b = env.new_browser();
    REQUIRE(env.login(b, "octocat").callback.status == 302);
    const std::string cookie = "Cookie: sg_sessionid=" + b.cookies.at("sg_sessionid") + "\r\n";
    // Fresh connections land on either loop; each answers the same session.
    for (int i = 0; i < 8; ++i) {
      auto e = send_once(port, get_request("/api/auth/verify", cookie));
      REQUIRE(e.answer);
      CHECK(e.answer->status == 200);
      CHECK(e.answer->header("X-Auth-Username") == "octocat");
    }
    auto keep_alive = client_socket::connect_to(port);
    for (int i = 0; i < 5; ++i) {
      REQUIRE(keep_alive.send_all(get_request("/api/auth/verify", cookie)));
      auto answer = keep_alive.read_answer();
      REQUIRE(answer);
      CHECK(answer->status == 200);
    }
  }
}

TEST_CASE("SOCIALGATE_HTTP_THREADS set: a start-up warning names it and the service serves", "[connections]") {
  deployment env;  // replica 0 without the variable
  auto with_variable = env.start_replica({{"SOCIALGATE_HTTP_THREADS", "64"}});
  CHECK(status_of(send_once(port_of(env.replica(with_variable)), get_request("/healthz"))) == 200);
  auto warned = [&](std::size_t replica) {
    std::istringstream lines(env.replica_process(replica).log());
    for (std::string line; std::getline(lines, line);) {
      auto doc = nlohmann::json::parse(line, nullptr, false);
      if (doc.is_object() && doc.value("level", "") == "warning" && line.find("SOCIALGATE_HTTP_THREADS") != std::string::npos)
        return true;
    }
    return false;
  };
  CHECK(wait_until([&] { return warned(with_variable); }, 10s));
  CHECK_FALSE(warned(0));  // start-up is over (it answered /readyz): no warning without the variable
}
