// The request reader: strict framing scanners (strict_framing.hpp) approve bytes, then Node's
// http_parser extracts the request from exactly those bytes. The parser is paused after each
// whole request, so only one request is built at a time and the bytes after it wait in `pending`.
//
// When a scanner refuses byte k, the parser is still run on the bytes before k first: a fault
// the parser finds earlier wins. The reported failure is then the first one in the byte stream,
// the same however the bytes were split into reads.
#include "gateway/http/request_reader.hpp"

#include <http_parser.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "gateway/http/request_target.hpp"
#include "gateway/http/strict_framing.hpp"

namespace sg {

namespace {

// The parser's own refusals, for bytes the scanners let through.
read_failure parser_failure(http_errno error) {
  switch (error) {
    case HPE_INVALID_METHOD:
      return {501, "unknown request method"};
    case HPE_INVALID_URL:
      return {400, "malformed request target"};
    case HPE_HEADER_OVERFLOW:
      return {431, "the header section is larger than the parser's limit"};
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      return {400, "Content-Length repeated or sent with Transfer-Encoding"};
    case HPE_INVALID_CONTENT_LENGTH:
      return {400, "malformed Content-Length"};
    case HPE_INVALID_TRANSFER_ENCODING:
      return {501, "a Transfer-Encoding other than chunked"};
    case HPE_INVALID_CHUNK_SIZE:
      return {400, "malformed chunk size"};
    default:
      return {400, "malformed request"};
  }
}

std::string lower_trimmed(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t");
  std::string out(text.substr(begin, end - begin + 1));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The comma-separated elements of every line of one header field, trimmed and lower-cased.
std::vector<std::string> list_elements(const http_headers& headers, const std::string& name) {
  std::vector<std::string> out;
  auto [begin, end] = headers.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    std::string_view value = it->second;
    for (;;) {
      auto comma = value.find(',');
      out.push_back(lower_trimmed(value.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return out;
}

std::size_t request_bytes(const http_request& request) {
  std::size_t bytes = request.method.size() + request.target.size() + request.path.size() + request.body.capacity();
  for (const auto& [name, value] : request.headers) bytes += name.size() + value.size();
  for (const auto& [name, value] : request.params) bytes += name.size() + value.size();
  return bytes;
}

}  // namespace

struct request_reader::impl {
  enum class phase { head, identity_body, chunked_body, closed };

  request_limits limits;
  http_parser parser{};
  http_parser_settings settings{};
  phase at = phase::head;
  head_scanner head;
  std::optional<chunked_body_scanner> chunks;

  http_request building;
  std::string field;  // the header field being read
  std::string value;
  bool in_value = false;
  bool headers_complete = false;
  bool message_complete = false;

  std::optional<http_request> ready;
  std::optional<read_failure> failure;
  std::string pending;  // bytes not yet given to the parser; pending_from of them are consumed
  std::size_t pending_from = 0;

  explicit impl(request_limits l) : limits(l), head(l) {
    http_parser_init(&parser, HTTP_REQUEST);
    parser.data = this;
    settings.on_message_begin = [](http_parser* p) { return self(p).on_message_begin(); };
    settings.on_url = [](http_parser* p, const char* at, std::size_t n) { return self(p).on_url(at, n); };
    settings.on_header_field = [](http_parser* p, const char* at, std::size_t n) { return self(p).on_field(at, n); };
    settings.on_header_value = [](http_parser* p, const char* at, std::size_t n) { return self(p).on_value(at, n); };
    settings.on_headers_complete = [](http_parser* p) { return self(p).on_headers_complete(); };
    settings.on_body = [](http_parser* p, const char* at, std::size_t n) { return self(p).on_body(at, n); };
    settings.on_message_complete = [](http_parser* p) { return self(p).on_message_complete(); };
  }
  static impl& self(http_parser* p) { return *static_cast<impl*>(p->data); }

  int on_message_begin() {
    building = http_request{};
    field.clear();
    value.clear();
    in_value = false;
    headers_complete = false;
    return 0;
  }

  int on_url(const char* at, std::size_t n) {
    building.target.append(at, n);
    return 0;
  }

  void commit_field() {
    auto end = value.find_last_not_of(" \t");
    value.erase(end == std::string::npos ? 0 : end + 1);
    building.headers.emplace(std::move(field), std::move(value));
    field.clear();
    value.clear();
    in_value = false;
  }

  int on_field(const char* at, std::size_t n) {
    if (headers_complete) return 0;  // a trailer field: framing only, never merged into headers
    if (in_value) commit_field();
    field.append(at, n);
    return 0;
  }

  int on_value(const char* at, std::size_t n) {
    if (headers_complete) return 0;
    in_value = true;
    value.append(at, n);
    return 0;
  }

  int refuse(int status, const char* reason) {
    if (!failure) failure = read_failure{status, reason};
    return -1;
  }

  int on_headers_complete() {
    if (!field.empty() || in_value) commit_field();
    headers_complete = true;
    auto method = static_cast<http_method>(parser.method);
    building.method = http_method_str(method);
    // CONNECT would turn the connection into a tunnel; its target is not a path either.
    if (method == HTTP_CONNECT) return refuse(501, "CONNECT is not supported");
    const char* why = nullptr;
    auto target = parse_request_target(building.target, why);
    if (!target) return refuse(400, why);
    building.path = std::move(target->path);
    building.params = std::move(target->params);

    bool chunked = false;
    if (building.has_header("Transfer-Encoding")) {
      if (parser.http_minor == 0) return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
      auto codings = list_elements(building.headers, "Transfer-Encoding");
      bool only_chunked = std::all_of(codings.begin(), codings.end(), [](const auto& c) { return c == "chunked"; });
      if (!only_chunked) return refuse(501, "a Transfer-Encoding other than chunked");
      if (codings.size() != 1 || !(parser.flags & F_CHUNKED)) return refuse(400, "malformed Transfer-Encoding");
      chunked = true;
    }
    // A compressed body would be inflated past every limit counted here: refused, never decoded.
    auto encodings = list_elements(building.headers, "Content-Encoding");
    if (std::any_of(encodings.begin(), encodings.end(), [](const auto& e) { return e != "identity"; }))
      return refuse(415, "Content-Encoding on a request is not accepted");
    if (!chunked && (parser.flags & F_CONTENTLENGTH)) {
      if (parser.content_length > limits.max_body) return refuse(413, "the body is larger than the limit");
      building.body.reserve(static_cast<std::size_t>(parser.content_length));
    }
    // Expect: 100-continue is not answered: the body is read when the client sends it (clients
    // send it after a short wait).
    building.keep_alive = http_should_keep_alive(&parser) != 0;
    if (chunked) {
      chunks.emplace(limits);
      at = phase::chunked_body;
    } else {
      at = phase::identity_body;  // the parser completes the message at once when there is no body
    }
    return 0;
  }

  int on_body(const char* at_byte, std::size_t n) {
    // The scanners and the Content-Length check refuse bodies over the limit first; this is the
    // guard that keeps the bound whatever the parser does.
    if (building.body.size() + n > limits.max_body) return refuse(413, "the body is larger than the limit");
    building.body.append(at_byte, n);
    return 0;
  }

  int on_message_complete() {
    message_complete = true;
    http_parser_pause(&parser, 1);  // one request at a time: execute returns right after it
    return 0;
  }

  // Runs the parser on bytes a scanner approved; returns how many it consumed.
  std::size_t execute(std::string_view bytes) {
    if (bytes.empty()) return 0;  // a zero length would tell http_parser the stream ended
    auto used = http_parser_execute(&parser, &settings, bytes.data(), bytes.size());
    auto error = HTTP_PARSER_ERRNO(&parser);
    if (error == HPE_PAUSED) {
      http_parser_pause(&parser, 0);
    } else if (error != HPE_OK && !failure) {
      failure = parser_failure(error);
    }
    return used;
  }

  void finish_message() {
    message_complete = false;
    bool keep_alive = building.keep_alive;
    ready = std::move(building);
    building = http_request{};
    head = head_scanner(limits);
    chunks.reset();
    // After a request that ends the connection nothing more is read (the parser would refuse it).
    at = keep_alive ? phase::head : phase::closed;
  }

  // Parses as far as the next whole request; returns the bytes consumed.
  std::size_t parse(std::string_view bytes) {
    std::size_t used = 0;
    while (used < bytes.size() && !ready && !failure && at != phase::closed) {
      auto rest = bytes.substr(used);
      auto approved = rest.size();
      const std::optional<read_failure>* refused = nullptr;
      bool framing_done = false;
      phase scanned = at;
      if (at == phase::head) {
        approved = head.scan(rest);
        refused = &head.failure();
        framing_done = head.done();
      } else if (at == phase::chunked_body) {
        approved = chunks->scan(rest);
        refused = &chunks->failure();
        framing_done = chunks->done();
      }
      auto consumed = execute(rest.substr(0, approved));
      used += consumed;
      if (failure) break;
      if (message_complete) {
        // The parser's end of a message must be where the strict framing ends it.
        bool agrees = scanned == phase::identity_body || (framing_done && consumed == approved);
        if (!agrees) {
          failure = read_failure{400, "ambiguous message framing"};
          break;
        }
        finish_message();
        break;
      }
      if (refused && *refused) {
        failure = **refused;
        break;
      }
      if (consumed != approved || (framing_done && scanned == phase::head && !headers_complete) ||
          (framing_done && scanned == phase::chunked_body)) {
        failure = read_failure{400, "ambiguous message framing"};
        break;
      }
    }
    return used;
  }

  std::size_t pending_size() const { return pending.size() - pending_from; }

  void release_everything() {
    std::string().swap(pending);
    pending_from = 0;
    building = http_request{};
    ready.reset();
    std::string().swap(field);
    std::string().swap(value);
  }

  void hold(std::string_view bytes) {
    if (pending_from > 0 && pending_from >= pending.size() / 2) {
      pending.erase(0, pending_from);
      pending_from = 0;
    }
    if (pending_size() + bytes.size() > limits.max_buffered) {
      failure = read_failure{400, "too many pipelined bytes buffered"};
      release_everything();
      return;
    }
    pending.append(bytes);
  }

  void feed(std::string_view bytes) {
    if (failure || at == phase::closed) return;
    if (ready) {
      hold(bytes);
      return;
    }
    auto used = parse(bytes);
    if (failure) {
      release_everything();
    } else if (used < bytes.size() && at != phase::closed) {
      hold(bytes.substr(used));
    }
  }

  std::optional<http_request> next() {
    if (failure || !ready) return std::nullopt;
    auto out = std::move(ready);
    ready.reset();
    if (at == phase::closed) {
      std::string().swap(pending);
      pending_from = 0;
    } else if (pending_size() > 0) {
      auto used = parse(std::string_view(pending).substr(pending_from));
      pending_from += used;
      if (failure) release_everything();
    }
    if (pending_size() == 0) {
      // Drop a large buffer once drained rather than keep its capacity for the connection's life.
      if (pending.capacity() > 16384) std::string().swap(pending);
      pending.clear();
      pending_from = 0;
    }
    return out;
  }

  bool mid_request() const {
    if (failure || at == phase::closed) return false;
    return at != phase::head || head.begun() || pending_size() > 0;
  }

  std::size_t buffered_bytes() const {
    std::size_t bytes = pending.capacity() + field.capacity() + value.capacity() + request_bytes(building);
    if (ready) bytes += request_bytes(*ready);
    return bytes;
  }
};

request_reader::request_reader(request_limits limits) : impl_(std::make_unique<impl>(limits)) {}
request_reader::~request_reader() = default;
request_reader::request_reader(request_reader&&) noexcept = default;
request_reader& request_reader::operator=(request_reader&&) noexcept = default;

void request_reader::feed(std::string_view bytes) { impl_->feed(bytes); }
std::optional<http_request> request_reader::next() { return impl_->next(); }
const std::optional<read_failure>& request_reader::failure() const { return impl_->failure; }
bool request_reader::mid_request() const { return impl_->mid_request(); }
std::size_t request_reader::buffered_bytes() const { return impl_->buffered_bytes(); }

}  // namespace sg
