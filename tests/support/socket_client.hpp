#pragma once
// A raw HTTP/1.1 client connection for tests of the server's connection handling: it connects
// from a chosen loopback address (127.0.0.2, ... count as other peers for per-address caps),
// sends exactly the bytes a test writes (pipelined, malformed, trickled, streamed), and reads
// answers one at a time, leaving the bytes of a following answer for the next read.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sg::test {

struct http_answer {
  int status = 0;
  std::string head;  // status line and headers, as received
  std::string body;  // after chunked decoding, if it was chunked
  std::string header(const std::string& name) const;  // first value, or ""
  std::size_t count(const std::string& name) const;   // how many times the header appears
};

// What streaming a large input ended with.
struct stream_outcome {
  std::size_t sent = 0;       // bytes the kernel took
  bool peer_stopped = false;  // the server closed or reset before everything was sent
  bool timed_out = false;     // neither finished nor stopped before the deadline
};

class client_socket {
 public:
  // Connects to 127.0.0.1:port from `source` (any 127.x.y.z; the kernel picks the port), or,
  // when `source` is an IPv6 address (one the machine has), to [::1]:port from it.
  // Throws when the connection is not established before the deadline.
  static client_socket connect_to(int port, const std::string& source = "127.0.0.1",
                                  std::chrono::milliseconds deadline = std::chrono::seconds(10));
  client_socket() = default;
  ~client_socket();
  client_socket(client_socket&& other) noexcept;
  client_socket& operator=(client_socket&& other) noexcept;
  client_socket(const client_socket&) = delete;
  client_socket& operator=(const client_socket&) = delete;

  // Sends every byte; false when the peer closed or reset first, or the deadline passed.
  bool send_all(std::string_view bytes, std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // Sends `total` bytes produced by `chunk(offset)` (each call returns the next piece, never
  // empty) until all are sent or the server stops reading: it closed, reset, or answered and
  // closed. Whatever the server answers meanwhile is kept for read_answer. `after_chunk` runs
  // after each piece (a memory sample, say).
  stream_outcome stream(std::size_t total, const std::function<std::string_view(std::size_t offset)>& chunk,
                        const std::function<void()>& after_chunk,
                        std::chrono::milliseconds deadline = std::chrono::seconds(60));

  // The next whole answer; nullopt when the connection closed first or the deadline passed.
  std::optional<http_answer> read_answer(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // The next answer if its bytes are all here already (no waiting).
  std::optional<http_answer> take_answer();
  // Reads whatever is available without waiting; false once the peer has closed or reset.
  bool read_available();
  // Waits until the server closes the connection (a read returns 0, or a reset); true if it did
  // before the deadline. Bytes that arrive meanwhile are kept.
  bool wait_closed(std::chrono::milliseconds deadline = std::chrono::seconds(10));

  bool closed() const { return closed_; }
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& unread() const { return received_; }  // bytes not yet taken as answers
  void close();

 private:
  explicit client_socket(int fd) : fd_(fd) {}
  bool wait_for(short events, std::chrono::steady_clock::time_point until);
  int fd_ = -1;
  bool closed_ = false;  // the peer closed or reset
  std::string received_;
};

// Waits until each socket has one whole answer (or has closed), polling them all together;
// returns the answers in the sockets' order (nullopt for a socket that closed or ran out of time).
std::vector<std::optional<http_answer>> read_answers(std::vector<client_socket>& sockets,
                                                      std::chrono::milliseconds deadline);

// "GET target HTTP/1.1" with Host, keeping the connection alive, plus `extra` header lines
// (each ending in \r\n).
std::string get_request(const std::string& target, const std::string& extra = "");

// The port of an origin "http://127.0.0.1:PORT".
int port_of(const std::string& origin);

}  // namespace sg::test
