// The HTTP request reader: never crashes, memory stays bounded, and the bytes give the same
// requests (or the same refusal) whether they arrive one at a time or in other splits.
// Input: byte 0 picks the limits (defaults or small ones, so the limits are reached by short
// inputs), bytes 1..8 give the split lengths, the rest is the connection's byte stream.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http/request_reader.hpp"

namespace {

std::string describe(const sg::http_request& r) {
  std::string text = r.method + ' ' + r.target + " path=" + r.path + (r.keep_alive ? " keep\n" : " close\n");
  for (const auto& [name, value] : r.params) text += "p " + name + '=' + value + '\n';
  for (const auto& [name, value] : r.headers) text += "h " + name + ": " + value + '\n';
  return text + "b " + r.body + '\n';
}

struct reading {
  std::string text;
  std::size_t requests = 0;
};

void drain(sg::request_reader& reader, const sg::request_limits& limits, std::size_t bound, reading& out) {
  if (reader.buffered_bytes() > bound) std::abort();
  while (auto request = reader.next()) {
    if (request->method.empty() || request->path.empty()) std::abort();
    if (request->body.size() > limits.max_body || request->headers.size() > limits.max_headers) std::abort();
    if (request->target.size() > limits.max_request_line) std::abort();
    out.text += describe(*request);
    ++out.requests;
    if (reader.buffered_bytes() > bound) std::abort();
  }
  if (reader.failure() && reader.next()) std::abort();  // nothing comes out after a refusal
}

void finish(sg::request_reader& reader, reading& out) {
  if (reader.failure()) {
    if (reader.failure()->reason.empty()) std::abort();
    out.text += "failure " + std::to_string(reader.failure()->status) + ' ' + reader.failure()->reason + '\n';
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  sg::request_limits limits;
  if (data[0] & 1) {
    limits.max_request_line = 64;
    limits.max_headers = 4;
    limits.max_header_bytes = 48;
    limits.max_header_section = 128;
    limits.max_body = 96;
    limits.max_buffered = 512;
  }
  // Everything a reader may hold: the request being built (each part within its limit, the body's
  // capacity at most twice its size) and the bytes after a whole request.
  std::size_t bound = 4 * (limits.max_request_line + limits.max_header_section + limits.max_body) +
                      limits.max_buffered + 65536;
  std::string_view stream(reinterpret_cast<const char*>(data) + 9, size - 9);

  sg::request_reader one_by_one(limits);
  reading first;
  for (char c : stream) {
    one_by_one.feed(std::string_view(&c, 1));
    drain(one_by_one, limits, bound, first);
  }
  finish(one_by_one, first);

  sg::request_reader in_splits(limits);
  reading second;
  std::size_t at = 0;
  for (std::size_t piece = 0; at < stream.size(); ++piece) {
    // At most max_buffered per read (the loop reads 16 KiB at a time): a longer read's bytes
    // after a whole request would exceed max_buffered and be refused, which one-byte reads never do.
    std::size_t length = std::min<std::size_t>(1 + data[1 + piece % 8] * (1 + (data[0] >> 1) % 64), limits.max_buffered);
    auto bytes = stream.substr(at, length);
    at += bytes.size();
    in_splits.feed(bytes);
    drain(in_splits, limits, bound, second);
  }
  finish(in_splits, second);

  if (first.text != second.text) std::abort();
  return 0;
}
