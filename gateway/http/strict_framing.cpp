#include "gateway/http/strict_framing.hpp"

#include <algorithm>
#include <cstring>

namespace sg {

namespace {

// RFC 9110 5.6.2 tchar.
bool tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}
// Visible ASCII: what a request target may hold (its grammar is checked by http_parser).
bool vchar(unsigned char c) { return c > 0x20 && c < 0x7f; }
// RFC 9110 5.5 field-value bytes: VCHAR, SP, HTAB and obs-text; never CR, LF, NUL or other CTLs.
bool field_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }
int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Empty lines tolerated before a request line (RFC 9112 2.2 asks for at least one): enough for
// clients that end a body with an extra CRLF, not an endless stream that keeps a connection alive.
constexpr std::size_t max_empty_lines_before_request = 4;
// A chunk size line: the size and any extensions (which are ignored).
constexpr std::size_t max_chunk_size_line = 4096;

}  // namespace

std::size_t field_lines_scanner::scan(std::string_view bytes, std::optional<read_failure>& failure) {
  auto refuse = [&](int status, const char* reason) { failure = read_failure{status, reason}; };
  std::size_t i = 0;
  for (; i < bytes.size() && state_ != state::done; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    bool line_end = c == '\r' || c == '\n';
    if (state_ == state::name || state_ == state::value) {
      if (!line_end && ++line_bytes_ > limits_.max_header_bytes) {
        refuse(431, "a header field is larger than the limit");
        return i;
      }
    }
    if (state_ != state::line_start && state_ != state::end_cr && ++section_bytes_ > limits_.max_header_section) {
      refuse(431, "the header section is larger than the limit");
      return i;
    }
    switch (state_) {
      case state::line_start:
        if (c == '\r') {
          state_ = state::end_cr;
        } else if (c == '\n') {
          state_ = state::done;
        } else if (c == ' ' || c == '\t') {
          refuse(400, "a header line starts with whitespace (obs-fold)");
          return i;
        } else if (tchar(c)) {
          if (++fields_ > limits_.max_headers) {
            refuse(431, "more header fields than the limit");
            return i;
          }
          if (++section_bytes_ > limits_.max_header_section) {
            refuse(431, "the header section is larger than the limit");
            return i;
          }
          line_bytes_ = 1;
          state_ = state::name;
        } else {
          refuse(400, "invalid character in a header name");
          return i;
        }
        break;
      case state::name:
        if (c == ':') {
          state_ = state::value;
        } else if (!tchar(c)) {
          refuse(400, "invalid character in a header name");
          return i;
        }
        break;
      case state::value:
        if (c == '\r') {
          state_ = state::value_cr;
        } else if (c == '\n') {
          state_ = state::line_start;
        } else if (!field_value_char(c)) {
          refuse(400, "invalid character in a header value");
          return i;
        }
        break;
      case state::value_cr:
        if (c != '\n') {
          refuse(400, "CR without LF in the header section");
          return i;
        }
        state_ = state::line_start;
        break;
      case state::end_cr:
        if (c != '\n') {
          refuse(400, "CR without LF at the end of the header section");
          return i;
        }
        state_ = state::done;
        break;
      case state::done:
        break;
    }
  }
  return i;
}

bool head_scanner::refuse(int status, const char* reason) {
  failure_ = read_failure{status, reason};
  return false;
}

std::size_t head_scanner::scan(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && !failure_ && !done()) {
    if (state_ == state::fields) {
      i += fields_.scan(bytes.substr(i), failure_);
      break;
    }
    auto c = static_cast<unsigned char>(bytes[i]);
    bool line_end = c == '\r' || c == '\n';
    if (state_ != state::idle && state_ != state::idle_cr && !line_end &&
        ++line_bytes_ > limits_.max_request_line) {
      refuse(414, "the request line is longer than the limit");
      break;
    }
    switch (state_) {
      case state::idle:
        if (c == '\r') {
          state_ = state::idle_cr;
        } else if (c == '\n') {
          if (++empty_lines_ > max_empty_lines_before_request) refuse(400, "too many empty lines before a request");
        } else if (tchar(c)) {
          line_bytes_ = 1;
          state_ = state::method;
        } else {
          refuse(400, "malformed request line");
        }
        break;
      case state::idle_cr:
        if (c != '\n') {
          refuse(400, "CR without LF before a request");
        } else if (++empty_lines_ > max_empty_lines_before_request) {
          refuse(400, "too many empty lines before a request");
        } else {
          state_ = state::idle;
        }
        break;
      case state::method:
        if (c == ' ') {
          state_ = state::target_start;
        } else if (!tchar(c)) {
          refuse(400, "malformed request line");
        }
        break;
      case state::target_start:
      case state::target:
        if (c == ' ' && state_ == state::target) {
          state_ = state::version;
        } else if (vchar(c)) {
          state_ = state::target;
        } else {
          refuse(400, "malformed request line");
        }
        break;
      case state::version: {
        static constexpr char prefix[] = "HTTP/";
        auto at = version_index_++;
        if (at < 5) {
          if (c != static_cast<unsigned char>(prefix[at])) refuse(400, "malformed HTTP version");
        } else if (at == 5 || at == 7) {
          if (c < '0' || c > '9') {
            refuse(400, "malformed HTTP version");
          } else if (at == 5) {
            major_ = c - '0';
          } else if (major_ != 1 || (c != '0' && c != '1')) {
            refuse(505, "only HTTP/1.0 and HTTP/1.1 are supported");
          }
        } else if (at == 6) {
          if (c != '.') refuse(400, "malformed HTTP version");
        } else if (c == '\r') {
          state_ = state::line_cr;
        } else if (c == '\n') {
          state_ = state::fields;
        } else {
          refuse(400, "malformed HTTP version");
        }
        break;
      }
      case state::line_cr:
        if (c != '\n') {
          refuse(400, "CR without LF after the request line");
        } else {
          state_ = state::fields;
        }
        break;
      case state::fields:
        break;
    }
    if (!failure_) ++i;
  }
  return i;
}

bool chunked_body_scanner::refuse(int status, const char* reason) {
  failure_ = read_failure{status, reason};
  return false;
}

std::size_t chunked_body_scanner::scan(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size() && !failure_ && !done()) {
    if (state_ == state::trailers) {
      i += trailers_.scan(bytes.substr(i), failure_);
      break;
    }
    if (state_ == state::data) {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size_, bytes.size() - i));
      chunk_size_ -= take;
      i += take;
      if (chunk_size_ == 0) state_ = state::data_cr;
      continue;
    }
    auto c = static_cast<unsigned char>(bytes[i]);
    if ((state_ == state::size_start || state_ == state::size || state_ == state::extension) &&
        ++line_bytes_ > max_chunk_size_line) {
      refuse(400, "a chunk size line is longer than the limit");
      break;
    }
    switch (state_) {
      case state::size_start:
      case state::size: {
        int digit = hex_value(c);
        if (digit >= 0) {
          chunk_size_ = chunk_size_ * 16 + static_cast<unsigned>(digit);
          // Refused as soon as the declared sizes pass the limit (which also keeps this exact).
          if (decoded_ + chunk_size_ > limits_.max_body) refuse(413, "the body is larger than the limit");
          state_ = state::size;
        } else if (state_ == state::size && (c == ';' || c == ' ')) {
          state_ = state::extension;
        } else if (state_ == state::size && c == '\r') {
          state_ = state::size_cr;
        } else {
          refuse(400, "malformed chunk size");
        }
        break;
      }
      case state::extension:
        if (c == '\r') {
          state_ = state::size_cr;
        } else if (!field_value_char(c)) {
          refuse(400, "invalid character in a chunk extension");
        }
        break;
      case state::size_cr:
        if (c != '\n') {
          refuse(400, "CR without LF after a chunk size");
        } else {
          decoded_ += chunk_size_;
          line_bytes_ = 0;
          state_ = chunk_size_ == 0 ? state::trailers : state::data;
        }
        break;
      case state::data_cr:
        if (c != '\r') {
          refuse(400, "chunk data longer than its declared size");
        } else {
          state_ = state::data_lf;
        }
        break;
      case state::data_lf:
        if (c != '\n') {
          refuse(400, "chunk data not followed by CRLF");
        } else {
          chunk_size_ = 0;
          state_ = state::size_start;
        }
        break;
      case state::data:
      case state::trailers:
        break;
    }
    if (!failure_) ++i;
  }
  return i;
}

}  // namespace sg
