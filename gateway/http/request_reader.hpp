#pragma once
// Reads HTTP/1.1 requests off one connection as bytes arrive (Node's http_parser underneath),
// enforcing every limit while reading, before a request is whole: request line, header count,
// header size, body size (counted after transfer decoding). Requests come out one at a time, in
// order; bytes of a pipelined next request wait in the reader until it is asked again.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/http/http_message.hpp"

namespace sg {

struct request_limits {
  std::size_t max_request_line = 8192;      // method, target and version
  std::size_t max_headers = 64;             // header fields
  std::size_t max_header_bytes = 8192;      // one header field: name + value
  std::size_t max_header_section = 65536;   // all header fields together
  std::size_t max_body = 65536;             // after transfer decoding
  std::size_t max_buffered = 262144;        // unparsed bytes held (pipelined requests) before 400
};

// Why a connection's input is refused. The connection answers `status` and closes.
struct read_failure {
  int status = 400;     // 400, 413, 414, 415, 431, 501, 505
  std::string reason;   // for the log and the answer: no request bytes in it
};

class request_reader {
 public:
  explicit request_reader(request_limits limits = {});
  ~request_reader();
  request_reader(request_reader&&) noexcept;
  request_reader& operator=(request_reader&&) noexcept;

  // Appends bytes read from the socket. Parses as far as the next whole request.
  void feed(std::string_view bytes);
  // The next whole request, if one has been read. After it is taken, parsing of any buffered
  // bytes continues (a pipelined request), up to the following request.
  std::optional<http_request> next();
  // Set once the input is refused; nothing more comes out of the reader then.
  const std::optional<read_failure>& failure() const;
  // True while some bytes of a request not yet whole have been read: a request in progress (the
  // request deadline runs); false between requests (the keep-alive idle time runs).
  bool mid_request() const;
  // Bytes held by the reader now (buffer and the request being built): for memory bounds.
  std::size_t buffered_bytes() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
