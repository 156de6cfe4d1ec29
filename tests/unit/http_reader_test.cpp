// The HTTP/1.1 request reader, response writer and router (issue 13): every limit enforced while
// reading with the reader's memory bounded throughout, strict framing, pipelining, and the same
// requests however the bytes are split.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gateway/http/request_reader.hpp"
#include "gateway/http/router.hpp"

using namespace sg;
using namespace std::string_literals;

namespace {

struct outcome {
  std::vector<http_request> requests;
  std::optional<read_failure> failure;
};

// Takes every whole request, as the loop does after each read.
void drain(request_reader& reader, outcome& out) {
  while (auto request = reader.next()) out.requests.push_back(std::move(*request));
  if (reader.failure()) out.failure = reader.failure();
}

outcome read_in_pieces(const std::string& input, const std::vector<std::size_t>& cuts, request_limits limits = {}) {
  request_reader reader(limits);
  outcome out;
  std::size_t from = 0;
  for (auto cut : cuts) {
    reader.feed(std::string_view(input).substr(from, cut - from));
    drain(reader, out);
    from = cut;
  }
  reader.feed(std::string_view(input).substr(from));
  drain(reader, out);
  return out;
}

outcome read_whole(const std::string& input, request_limits limits = {}) { return read_in_pieces(input, {}, limits); }

outcome read_byte_by_byte(const std::string& input, request_limits limits = {}) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  return read_in_pieces(input, cuts, limits);
}

int failure_status(const std::string& input, request_limits limits = {}) {
  auto out = read_whole(input, limits);
  INFO("input: " << input.substr(0, 200));
  REQUIRE(out.failure);
  CHECK(!out.failure->reason.empty());
  return out.failure->status;
}

http_request only_request(const std::string& input) {
  auto out = read_whole(input);
  INFO("input: " << input.substr(0, 200));
  if (out.failure) INFO("failure: " << out.failure->status << " " << out.failure->reason);
  REQUIRE(!out.failure);
  REQUIRE(out.requests.size() == 1);
  return out.requests.front();
}

// Everything a route can see, to compare readings of the same bytes.
std::string describe(const outcome& out) {
  std::string text;
  for (const auto& r : out.requests) {
    text += r.method + " " + r.target + " path=" + r.path + " keep=" + (r.keep_alive ? "1" : "0") + "\n";
    for (const auto& [name, value] : r.params) text += " param " + name + "=" + value + "\n";
    for (const auto& [name, value] : r.headers) text += " header " + name + ": " + value + "\n";
    text += " body[" + std::to_string(r.body.size()) + "]=" + r.body + "\n";
  }
  if (out.failure) text += "failure " + std::to_string(out.failure->status) + " " + out.failure->reason + "\n";
  return text;
}

// Streams `chunk` repeatedly (up to `total` bytes) after `prefix`, checking the reader's memory
// after every read; returns the failure.
read_failure stream_until_refused(const std::string& prefix, const std::string& chunk, std::size_t total,
                                  std::size_t memory_bound, request_limits limits = {}) {
  request_reader reader(limits);
  reader.feed(prefix);
  CHECK(reader.buffered_bytes() <= memory_bound);
  std::size_t sent = prefix.size();
  while (sent < total && !reader.failure()) {
    reader.feed(chunk);
    sent += chunk.size();
    REQUIRE(reader.buffered_bytes() <= memory_bound);
    REQUIRE(!reader.next());
  }
  // Bytes keep arriving after the refusal: they are dropped, never held.
  for (int i = 0; i < 16; ++i) {
    reader.feed(chunk);
    REQUIRE(reader.buffered_bytes() <= memory_bound);
  }
  REQUIRE(reader.failure());
  CHECK(!reader.next());
  CHECK(!reader.mid_request());
  return *reader.failure();
}

const std::string pipeline_sample =
    "GET /a?x=1&y=two+words HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n"
    "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"
    "PUT /c/%7Ed HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nthere\r\n0\r\nTrailer-Field: t\r\n\r\n"
    "\r\n"
    "DELETE /d HTTP/1.1\n"
    "Host: h\n\n"
    "HEAD /e HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    "GET /f HTTP/1.1\r\nConnection: close\r\n\r\n"
    "GET /never HTTP/1.1\r\n\r\n";

}  // namespace

TEST_CASE("a GET request: method, target, decoded path, parameters, headers", "[http]") {
  auto r = only_request(
      "GET /api/a%20b/c?next=%2Fhome&q=two+words&flag&=skipped&&v=a=b HTTP/1.1\r\n"
      "Host: example.org\r\nX-Padded:   value with spaces  \t\r\nx-twice: 1\r\nX-Twice: 2\r\n\r\n");
  CHECK(r.method == "GET");
  CHECK(r.target == "/api/a%20b/c?next=%2Fhome&q=two+words&flag&=skipped&&v=a=b");
  CHECK(r.path == "/api/a b/c");
  CHECK(r.get_param_value("next") == "/home");
  CHECK(r.get_param_value("q") == "two words");
  CHECK(r.has_param("flag"));
  CHECK(r.get_param_value("flag").empty());
  CHECK(r.get_param_value("v") == "a=b");
  CHECK(r.params.size() == 4);
  CHECK(r.get_header_value("host") == "example.org");
  CHECK(r.get_header_value("X-PADDED") == "value with spaces");
  CHECK(r.headers.count("X-TWICE") == 2);
  CHECK(r.get_header_value("x-twice") == "1");
  CHECK(r.body.empty());
  CHECK(r.keep_alive);
  CHECK(r.remote_addr.empty());
  CHECK(r.remote_port == 0);
}

TEST_CASE("query parameters keep cpp-httplib's leniency for malformed escapes", "[http]") {
  auto r = only_request("GET /p?a=100%&b=%zz&c=%41%2b HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(r.get_param_value("a") == "100%");
  CHECK(r.get_param_value("b") == "%zz");
  CHECK(r.get_param_value("c") == "A+");
}

TEST_CASE("request target forms: absolute, asterisk, fragment dropped", "[http]") {
  auto absolute = only_request("GET http://example.org:8080/x/y?z=1 HTTP/1.1\r\nHost: example.org\r\n\r\n");
  CHECK(absolute.path == "/x/y");
  CHECK(absolute.get_param_value("z") == "1");
  auto bare = only_request("GET http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n");
  CHECK(bare.path == "/");
  auto asterisk = only_request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(asterisk.path == "*");
  auto fragment = only_request("GET /a?b=1#frag HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(fragment.path == "/a");
  CHECK(fragment.get_param_value("b") == "1");
}

TEST_CASE("paths with malformed escapes or an encoded NUL are refused", "[http]") {
  CHECK(failure_status("GET /a%2 HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(failure_status("GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(failure_status("GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
  CHECK(only_request("GET /a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n").path == "/a/b");
}

TEST_CASE("keep-alive: HTTP/1.1 by default, HTTP/1.0 only when asked", "[http]") {
  CHECK(only_request("GET / HTTP/1.1\r\nHost: h\r\n\r\n").keep_alive);
  CHECK(!only_request("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").keep_alive);
  CHECK(!only_request("GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, close\r\n\r\n").keep_alive);
  CHECK(!only_request("GET / HTTP/1.0\r\n\r\n").keep_alive);
  CHECK(only_request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

TEST_CASE("nothing is read after a request that closes the connection", "[http]") {
  request_reader reader;
  reader.feed("GET /last HTTP/1.1\r\nConnection: close\r\n\r\nGET /more HTTP/1.1\r\n\r\n");
  auto first = reader.next();
  REQUIRE(first);
  CHECK(first->path == "/last");
  CHECK(!first->keep_alive);
  reader.feed("GET /even-more HTTP/1.1\r\n\r\n");
  CHECK(!reader.next());
  CHECK(!reader.failure());
  CHECK(!reader.mid_request());
  CHECK(reader.buffered_bytes() < 1024);
}

TEST_CASE("a request line over the limit is refused with 414 while it streams in", "[http][limits]") {
  // 200 MiB with no newline, 64 KiB per read: refused after about 8 KiB, never held.
  auto failure = stream_until_refused("GET /", std::string(65536, 'a'), 200u << 20, 4 * 8192);
  CHECK(failure.status == 414);
  request_limits small;
  small.max_request_line = 100;
  CHECK(failure_status("GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", small) == 414);
  CHECK(only_request("GET /" + std::string(8100, 'a') + " HTTP/1.1\r\n\r\n").path.size() == 8101);
}

TEST_CASE("more header fields than the limit get 431, memory bounded", "[http][limits]") {
  // 25,600 small headers streamed 64 KiB at a time.
  std::string headers;
  for (int i = 0; i < 25600; ++i) headers += "X-Header-" + std::to_string(i) + ": value\r\n";
  request_reader reader;
  reader.feed("GET / HTTP/1.1\r\nHost: h\r\n");
  for (std::size_t at = 0; at < headers.size() && !reader.failure(); at += 65536) {
    reader.feed(std::string_view(headers).substr(at, 65536));
    REQUIRE(reader.buffered_bytes() <= 4 * 65536);
  }
  REQUIRE(reader.failure());
  CHECK(reader.failure()->status == 431);
  CHECK(!reader.next());

  std::string exactly_64 = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 64; ++i) exactly_64 += "H" + std::to_string(i) + ": v\r\n";
  CHECK(only_request(exactly_64 + "\r\n").headers.size() == 64);
  CHECK(failure_status(exactly_64 + "H64: v\r\n\r\n") == 431);
}

TEST_CASE("one header field over the limit gets 431 while it streams in", "[http][limits]") {
  auto failure = stream_until_refused("GET / HTTP/1.1\r\nX-Huge: ", std::string(65536, 'v'), 50u << 20, 4 * 8192);
  CHECK(failure.status == 431);
  auto huge_name = stream_until_refused("GET / HTTP/1.1\r\nX", std::string(65536, 'n'), 10u << 20, 4 * 8192);
  CHECK(huge_name.status == 431);
  CHECK(only_request("GET / HTTP/1.1\r\nX-Big: " + std::string(8000, 'v') + "\r\n\r\n").get_header_value("x-big").size() ==
        8000);
}

TEST_CASE("a header section over the limit gets 431", "[http][limits]") {
  std::string request = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 20; ++i) request += "X-" + std::to_string(i) + ": " + std::string(4000, 'v') + "\r\n";
  CHECK(failure_status(request + "\r\n") == 431);
  request_limits limits;
  limits.max_header_section = 1000;
  CHECK(failure_status("GET / HTTP/1.1\r\nA: " + std::string(600, 'a') + "\r\nB: " + std::string(600, 'b') + "\r\n\r\n",
                       limits) == 431);
}

TEST_CASE("a chunked body over the limit gets 413 while it streams in", "[http][limits]") {
  std::string chunk = "1000\r\n" + std::string(4096, 'c') + "\r\n";
  std::string stream;
  while (stream.size() < 65536) stream += chunk;
  auto failure = stream_until_refused("POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", stream,
                                      16u << 20, 4 * 65536);
  CHECK(failure.status == 413);
  // One chunk declaring more than the limit is refused before its data.
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n") == 413);
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffff\r\n") == 413);
  // Exactly the limit is fine.
  std::string body_at_limit = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8000\r\n" + std::string(32768, 'x') +
                              "\r\n8000\r\n" + std::string(32768, 'y') + "\r\n0\r\n\r\n";
  CHECK(only_request(body_at_limit).body.size() == 65536);
}

TEST_CASE("a Content-Length over the limit gets 413 before the body arrives", "[http][limits]") {
  request_reader reader;
  reader.feed("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 65537\r\n\r\n");
  REQUIRE(reader.failure());
  CHECK(reader.failure()->status == 413);
  CHECK(reader.buffered_bytes() < 4096);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n") == 400);
  CHECK(only_request("POST / HTTP/1.1\r\nContent-Length: 65536\r\n\r\n" + std::string(65536, 'b')).body.size() == 65536);
}

TEST_CASE("pipelined bytes beyond max_buffered while a request waits get 400", "[http][limits]") {
  request_reader reader;
  reader.feed("GET /first HTTP/1.1\r\nHost: h\r\n\r\n");
  // The first request is not taken (its answer is being written): what follows is held, bounded.
  std::string more;
  while (more.size() < 65536) more += "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  for (int i = 0; i < 16 && !reader.failure(); ++i) {
    reader.feed(more);
    REQUIRE(reader.buffered_bytes() <= 4 * 262144);
  }
  REQUIRE(reader.failure());
  CHECK(reader.failure()->status == 400);
  CHECK(!reader.next());
  CHECK(reader.buffered_bytes() < 4096);
}

TEST_CASE("Content-Encoding on a request gets 415, identity is accepted", "[http]") {
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx") == 415);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Encoding: identity, br\r\nContent-Length: 1\r\n\r\nx") == 415);
  CHECK(failure_status("GET / HTTP/1.1\r\nContent-Encoding: deflate\r\n\r\n") == 415);
  CHECK(only_request("POST / HTTP/1.1\r\nContent-Encoding: Identity\r\nContent-Length: 1\r\n\r\nx").body == "x");
}

TEST_CASE("Transfer-Encoding: chunked only, other codings get 501", "[http]") {
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n") == 501);
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") == 501);
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
  CHECK(failure_status("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
  auto r = only_request("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n");
  CHECK(r.body == "abc");
  CHECK(!r.has_header("X-Trailer"));  // trailers are never merged into the headers
}

TEST_CASE("duplicate or conflicting Content-Length, or with Transfer-Encoding, gets 400", "[http]") {
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx") == 400);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy") == 400);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx") == 400);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n") ==
        400);
  CHECK(failure_status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n1\r\nx\r\n0\r\n\r\n") ==
        400);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(failure_status("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n") == 400);
}

TEST_CASE("a POST without Content-Length has an empty body and the next request still parses", "[http]") {
  auto out = read_whole("POST /empty HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(!out.failure);
  REQUIRE(out.requests.size() == 2);
  CHECK(out.requests[0].method == "POST");
  CHECK(out.requests[0].body.empty());
  CHECK(out.requests[1].path == "/after");
}

TEST_CASE("malformed heads get 400: header names, obs-fold, bare CR, whitespace", "[http]") {
  CHECK(failure_status("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nBad : x\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nBad\x01: x\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nB(d: x\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\n: no name\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nNo-Colon\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nA: x\r\n folded\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nA:\r\n\tfolded\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\n leading: space\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nA: x\ry\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nA:\r\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nA: x\r\n\rX") == 400);
  CHECK(failure_status("GET / HTTP/1.1\rA: x\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1\r\nA: nul\0here\r\n\r\n"s) == 400);
  CHECK(failure_status("GET  / HTTP/1.1\r\n\r\n") == 400);
  CHECK(failure_status("GET /a b HTTP/1.1\r\n\r\n") == 400);
  CHECK(failure_status("GET /a\tb HTTP/1.1\r\n\r\n") == 400);
  CHECK(failure_status("GET /\xc3\xa9 HTTP/1.1\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.1 \r\n\r\n") == 400);
  CHECK(failure_status("GET relative HTTP/1.1\r\n\r\n") == 400);
  CHECK(failure_status("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s) == 400);  // TLS on the plain port
  // A field value may be empty, and bare LF line ends are accepted (RFC 9112 2.2).
  CHECK(only_request("GET / HTTP/1.1\r\nEmpty:\r\nA: x\r\n\r\n").get_header_value("empty").empty());
  CHECK(only_request("GET /lf HTTP/1.1\nA: x\n\n").get_header_value("a") == "x");
  CHECK(only_request("GET / HTTP/1.1\r\nUTF8: caf\xc3\xa9\r\n\r\n").get_header_value("utf8") == "caf\xc3\xa9");
}

TEST_CASE("request-line versions other than HTTP/1.0 and 1.1 get 505, bad methods 400 or 501", "[http]") {
  CHECK(failure_status("GET / HTTP/2.0\r\n\r\n") == 505);
  CHECK(failure_status("GET / HTTP/1.2\r\n\r\n") == 505);
  CHECK(failure_status("GET / HTTP/0.9\r\n\r\n") == 505);
  // The first fault in the byte stream decides: PRI (HTTP/2's preface) is an unknown method first.
  CHECK(failure_status("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") == 501);
  CHECK(failure_status("GET / HXYZ/1.1\r\n\r\n") == 400);
  CHECK(failure_status("GET / http/1.1\r\n\r\n") == 400);
  CHECK(failure_status("GET / HTTP/1.10\r\n\r\n") == 400);
  CHECK(failure_status("GET /\r\n\r\n") == 400);
  CHECK(failure_status("FOO / HTTP/1.1\r\n\r\n") == 501);
  CHECK(failure_status("get / HTTP/1.1\r\n\r\n") == 501);
  CHECK(failure_status("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n") == 501);
  CHECK(failure_status("G{T / HTTP/1.1\r\n\r\n") == 400);
}

TEST_CASE("Expect: 100-continue is not answered: the body is read when it comes", "[http]") {
  request_reader reader;
  reader.feed("POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  CHECK(!reader.next());
  CHECK(reader.mid_request());
  reader.feed("body");
  auto r = reader.next();
  REQUIRE(r);
  CHECK(r->body == "body");
}

TEST_CASE("chunked framing is strict", "[http]") {
  auto chunked = [](const std::string& body) { return "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body; };
  CHECK(only_request(chunked("A\r\n0123456789\r\n0\r\n\r\n")).body == "0123456789");
  CHECK(only_request(chunked("3;name=value;x\r\nabc\r\n0;last\r\n\r\n")).body == "abc");
  CHECK(failure_status(chunked("3\r\nabcXY0\r\n\r\n")) == 400);
  CHECK(failure_status(chunked("3\r\nabc\rX0\r\n\r\n")) == 400);
  CHECK(failure_status(chunked("3\nabc\r\n0\r\n\r\n")) == 400);
  CHECK(failure_status(chunked("3\rXabc\r\n0\r\n\r\n")) == 400);
  CHECK(failure_status(chunked("x\r\n")) == 400);
  CHECK(failure_status(chunked("3\tx\r\nabc\r\n0\r\n\r\n")) == 400);
  CHECK(failure_status(chunked("0\r\n folded: trailer\r\n\r\n")) == 400);
  CHECK(failure_status(chunked("0\r\nT: x\r\n\rX")) == 400);
  CHECK(failure_status(chunked("1;" + std::string(5000, 'e') + "\r\n")) == 400);
}

TEST_CASE("three pipelined requests in one read come out one at a time, in order", "[http]") {
  request_reader reader;
  reader.feed(
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
  std::vector<std::string> paths;
  while (auto r = reader.next()) {
    paths.push_back(r->path);
    if (r->path == "/2") CHECK(r->body == "abc");
  }
  CHECK(paths == std::vector<std::string>{"/1", "/2", "/3"});
  CHECK(!reader.failure());
  CHECK(!reader.mid_request());
}

TEST_CASE("mid_request: set while a request is partly read, clear between requests", "[http]") {
  request_reader reader;
  CHECK(!reader.mid_request());
  reader.feed("\r\n");  // an empty line between requests is not a request yet
  CHECK(!reader.mid_request());
  reader.feed("GET / HT");
  CHECK(reader.mid_request());
  reader.feed("TP/1.1\r\n\r\nGET /two");
  CHECK(reader.mid_request());  // the start of the second request is buffered
  auto first = reader.next();
  REQUIRE(first);
  CHECK(reader.mid_request());
  CHECK(!reader.next());
  reader.feed(" HTTP/1.1\r\n\r\n");
  CHECK(!reader.mid_request());
  auto second = reader.next();
  REQUIRE(second);
  CHECK(second->path == "/two");
  CHECK(!reader.mid_request());
}

TEST_CASE("a few empty lines before a request are skipped, an endless stream of them is refused", "[http]") {
  CHECK(only_request("\r\n\r\nGET / HTTP/1.1\r\n\r\n").path == "/");
  CHECK(failure_status(std::string(40, '\n')) == 400);
}

TEST_CASE("byte-by-byte reading and random splits give the same requests as one read", "[http]") {
  auto whole = read_whole(pipeline_sample);
  REQUIRE(!whole.failure);
  REQUIRE(whole.requests.size() == 6);
  CHECK(whole.requests[2].body == "hello there");
  CHECK(whole.requests[3].method == "DELETE");
  CHECK(whole.requests[4].method == "HEAD");
  CHECK(whole.requests[4].keep_alive);
  CHECK(!whole.requests[5].keep_alive);
  CHECK(describe(read_byte_by_byte(pipeline_sample)) == describe(whole));

  std::mt19937 random(20240613);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    std::uniform_int_distribution<std::size_t> position(1, pipeline_sample.size() - 1);
    std::uniform_int_distribution<int> how_many(1, 12);
    for (int i = how_many(random); i > 0; --i) cuts.push_back(position(random));
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    INFO("round " << round);
    REQUIRE(describe(read_in_pieces(pipeline_sample, cuts)) == describe(whole));
  }
}

TEST_CASE("a refusal is the same however the bytes are split", "[http]") {
  const std::vector<std::string> bad = {
      "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
      "GET / HTTP/1.1\r\nA: x\r\n folded\r\nB\x01: y\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n10000\r\n",
      "GET /" + std::string(9000, 'a') + "\x01 HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 5\r\nBad Name: 1\r\n\r\n",
  };
  std::mt19937 random(7);
  for (const auto& input : bad) {
    auto whole = read_whole(input);
    REQUIRE(whole.failure);
    CHECK(describe(read_byte_by_byte(input)) == describe(whole));
    for (int round = 0; round < 50; ++round) {
      std::uniform_int_distribution<std::size_t> position(1, input.size() - 1);
      std::vector<std::size_t> cuts{position(random), position(random), position(random)};
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      REQUIRE(describe(read_in_pieces(input, cuts)) == describe(whole));
    }
  }
}

TEST_CASE("a moved reader keeps reading", "[http]") {
  request_reader reader;
  reader.feed("GET /a HTTP/1.1\r\nHo");
  request_reader moved = std::move(reader);
  moved.feed("st: h\r\n\r\n");
  auto r = moved.next();
  REQUIRE(r);
  CHECK(r->get_header_value("Host") == "h");
}

TEST_CASE("serialize_response: status line, headers, Content-Length, Connection, body", "[http][writer]") {
  http_response res;
  res.status = 201;
  res.set_content("hello", "text/plain");
  res.set_header("Set-Cookie", "a=1");
  res.set_header("Set-Cookie", "b=2");
  auto wire = serialize_response(res, false, true);
  CHECK(wire.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
  CHECK(wire.find("Content-Type: text/plain\r\n") != std::string::npos);
  CHECK(wire.find("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n") != std::string::npos);
  CHECK(wire.find("Content-Length: 5\r\n") != std::string::npos);
  CHECK(wire.find("Connection") == std::string::npos);
  CHECK(wire.size() >= 9);
  CHECK(wire.substr(wire.size() - 9) == "\r\n\r\nhello");

  auto closing = serialize_response(res, false, false);
  CHECK(closing.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("serialize_response for HEAD: the GET's Content-Length, no body", "[http][writer]") {
  http_response res;
  res.set_content("0123456789", "text/plain");
  auto wire = serialize_response(res, true, true);
  CHECK(wire.find("Content-Length: 10\r\n") != std::string::npos);
  CHECK(wire.substr(wire.size() - 4) == "\r\n\r\n");
  CHECK(wire.find("0123456789") == std::string::npos);
}

TEST_CASE("serialize_response ignores a route's Content-Length, Transfer-Encoding and Connection", "[http][writer]") {
  http_response res;
  res.body = "abc";
  res.set_header("Content-Length", "999");
  res.set_header("transfer-encoding", "chunked");
  res.set_header("Connection", "keep-alive");
  auto wire = serialize_response(res, false, false);
  CHECK(wire.find("999") == std::string::npos);
  CHECK(wire.find("chunked") == std::string::npos);
  CHECK(wire.find("keep-alive") == std::string::npos);
  CHECK(wire.find("Content-Length: 3\r\n") != std::string::npos);
  CHECK(wire.find("Connection: close\r\n") != std::string::npos);
  // The output reads back as exactly one response head plus the body.
  CHECK(wire.substr(wire.find("\r\n\r\n") + 4) == "abc");
}

TEST_CASE("serialize_response drops header values with CR or LF and keeps going", "[http][writer]") {
  http_response res;
  res.set_header("Location", "/ok\r\nSet-Cookie: injected=1");
  res.set_header("X-Bad\r\nName", "v");
  res.set_header("X-Lf", "a\nb");
  res.set_header("X-Good", "fine");
  auto wire = serialize_response(res, false, true);
  CHECK(wire.find("injected") == std::string::npos);
  CHECK(wire.find("X-Bad") == std::string::npos);
  CHECK(wire.find("X-Lf") == std::string::npos);
  CHECK(wire.find("X-Good: fine\r\n") != std::string::npos);
}

TEST_CASE("serialize_response: 204 and 304 carry no body and no Content-Length", "[http][writer]") {
  http_response res;
  res.status = 204;
  res.body = "ignored";
  auto wire = serialize_response(res, false, true);
  CHECK(wire == "HTTP/1.1 204 No Content\r\n\r\n");
  res.status = 304;
  CHECK(serialize_response(res, false, false) == "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n");
}

TEST_CASE("status_reason", "[http][writer]") {
  CHECK(std::string(status_reason(200)) == "OK");
  CHECK(std::string(status_reason(404)) == "Not Found");
  CHECK(std::string(status_reason(431)) == "Request Header Fields Too Large");
  CHECK(std::string(status_reason(505)) == "HTTP Version Not Supported");
  CHECK(std::string(status_reason(499)) == "Client Error");
}

namespace {
task<void> answer(http_request&, http_response& res) {
  res.body = "answered";
  co_return;
}
http_request request_for(std::string method, std::string path) {
  http_request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}
}  // namespace

TEST_CASE("router: whole-path match, captures, HEAD by GET, 404 and 405 with Allow", "[http][router]") {
  router routes;
  routes.add("GET", R"(/api/auth/login/([a-z0-9-]+))", answer);
  routes.add("POST", R"(/api/auth/login/([a-z0-9-]+))", answer);
  routes.add("GET", "/healthz", answer);
  routes.add("DELETE", "/healthz", answer);
  routes.add("GET", "/(.*)", answer);  // added last: only what nothing else matched

  auto get = request_for("GET", "/api/auth/login/github");
  auto found = routes.find(get);
  REQUIRE(found.handler);
  CHECK(get.matches == std::vector<std::string>{"/api/auth/login/github", "github"});
  http_response res;
  sync_wait((*found.handler)(get, res));
  CHECK(res.body == "answered");

  auto head = request_for("HEAD", "/healthz");
  CHECK(routes.find(head).handler);

  auto put = request_for("PUT", "/healthz");
  auto refused = routes.find(put);
  CHECK(!refused.handler);
  CHECK(refused.status == 405);
  CHECK(refused.allow == "GET, DELETE");

  auto partial = request_for("POST", "/api/auth/login/github/extra");  // whole path only: the catch-all GET
  auto partial_found = routes.find(partial);
  CHECK(partial_found.status == 405);
  CHECK(partial_found.allow == "GET");

  router narrow;
  narrow.add("GET", "/only", answer);
  auto missing = request_for("GET", "/only/not");
  CHECK(narrow.find(missing).status == 404);
  CHECK(!narrow.find(missing).handler);
  auto prefix = request_for("GET", "/onl");
  CHECK(narrow.find(prefix).status == 404);

  // A path as long as the request line allows matches without trouble.
  auto long_path = request_for("GET", "/" + std::string(8000, 'a'));
  CHECK(routes.find(long_path).handler);
}

TEST_CASE("router: plain paths answer without a regex and an earlier pattern still wins", "[http][router]") {
  std::vector<std::string> called;
  auto named = [&called](std::string name) -> route_handler {
    return [&called, name](http_request&, http_response&) -> task<void> {
      called.push_back(name);
      co_return;
    };
  };
  router routes;
  routes.add("GET", "/api/auth/([a-z]+)/?", named("pattern"));
  routes.add("GET", "/api/auth/verify/?", named("shadowed literal"));
  routes.add("GET", "/healthz", named("healthz"));
  routes.add("POST", "/healthz", named("healthz post"));

  http_request request;
  request.method = "GET";
  request.path = "/healthz";
  auto found = routes.find(request);
  REQUIRE(found.handler);
  sync_wait((*found.handler)(request, *std::make_unique<http_response>()));
  request.method = "POST";
  found = routes.find(request);
  REQUIRE(found.handler);
  sync_wait((*found.handler)(request, *std::make_unique<http_response>()));
  for (std::string path : {"/api/auth/verify", "/api/auth/verify/"}) {
    request.method = "GET";
    request.path = path;
    found = routes.find(request);
    REQUIRE(found.handler);
    sync_wait((*found.handler)(request, *std::make_unique<http_response>()));
    CHECK(request.matches.size() == 2);  // the pattern's capture: the regex route answered
  }
  request.method = "DELETE";
  request.path = "/healthz";
  found = routes.find(request);
  CHECK_FALSE(found.handler);
  CHECK(found.status == 405);
  CHECK(found.allow == "GET, POST");
  CHECK(called == std::vector<std::string>{"healthz", "healthz post", "pattern", "pattern"});
}
