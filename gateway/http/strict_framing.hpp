#pragma once
// Strict HTTP/1.1 framing (RFC 9112) checked on raw bytes, ahead of http_parser. Debian builds
// http_parser with HTTP_PARSER_STRICT=0, which lets through a request line like `GET / HXYZ/1.1`,
// spaces inside header names, a CR followed by any byte at the end of the head, and chunk data
// followed by any two bytes instead of CRLF: framing a proxy in front may read differently. These
// scanners see every byte of a request head and of a chunked body before the parser does, refuse
// what RFC 9112 does not allow, and count the size limits on the bytes as they arrive (so nothing
// over a limit is ever buffered). http_parser still extracts the request and decodes the body.
//
// Each scanner's `scan` accepts bytes up to the end of its part (then `done()`) or up to the
// first refused byte (then `failure()` is set and the byte is not counted as accepted).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "gateway/http/request_reader.hpp"

namespace sg {

// Header (or trailer) field lines, up to the empty line that ends them. Bare LF line ends are
// accepted (RFC 9112 2.2); a CR must be followed by LF; a line starting with whitespace
// (obs-fold) is refused.
class field_lines_scanner {
 public:
  explicit field_lines_scanner(const request_limits& limits) : limits_(limits) {}
  std::size_t scan(std::string_view bytes, std::optional<read_failure>& failure);
  bool done() const { return state_ == state::done; }

 private:
  enum class state { line_start, name, value, value_cr, end_cr, done };
  request_limits limits_;
  state state_ = state::line_start;
  std::size_t fields_ = 0;
  std::size_t line_bytes_ = 0;     // the current field line, without its line end
  std::size_t section_bytes_ = 0;  // every field line with its line end
};

// A request head: optional empty lines, the request line, the header field lines.
class head_scanner {
 public:
  explicit head_scanner(const request_limits& limits) : limits_(limits), fields_(limits) {}
  std::size_t scan(std::string_view bytes);
  bool done() const { return state_ == state::fields && fields_.done(); }
  // The request line has begun (a byte other than the empty lines allowed before it).
  bool begun() const { return state_ != state::idle && state_ != state::idle_cr; }
  const std::optional<read_failure>& failure() const { return failure_; }

 private:
  enum class state { idle, idle_cr, method, target_start, target, version, line_cr, fields };
  bool refuse(int status, const char* reason);
  request_limits limits_;
  state state_ = state::idle;
  std::size_t empty_lines_ = 0;
  std::size_t line_bytes_ = 0;
  std::size_t version_index_ = 0;
  int major_ = 0;
  field_lines_scanner fields_;
  std::optional<read_failure> failure_;
};

// A chunked body: chunk size lines (with extensions), chunk data, the last chunk and trailer
// fields. The decoded size is checked against max_body as each chunk size is declared.
class chunked_body_scanner {
 public:
  explicit chunked_body_scanner(const request_limits& limits) : limits_(limits), trailers_(limits) {}
  std::size_t scan(std::string_view bytes);
  bool done() const { return state_ == state::trailers && trailers_.done(); }
  const std::optional<read_failure>& failure() const { return failure_; }

 private:
  enum class state { size_start, size, extension, size_cr, data, data_cr, data_lf, trailers };
  bool refuse(int status, const char* reason);
  request_limits limits_;
  state state_ = state::size_start;
  std::uint64_t chunk_size_ = 0;   // declared size of the current chunk; counts down in data
  std::uint64_t decoded_ = 0;      // body bytes declared so far
  std::size_t line_bytes_ = 0;     // the current chunk size line
  field_lines_scanner trailers_;
  std::optional<read_failure> failure_;
};

}  // namespace sg
