#include "support/socket_client.hpp"
#include "support/raw_http.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace sg::test {
namespace {

using clock = std::chrono::steady_clock;

int remaining_ms(clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1000));  // wake at least every second
}

// An IPv4 or IPv6 socket address (IPv6 when the text has a colon).
sockaddr_storage socket_address(const std::string& address, int port, socklen_t& length) {
  sockaddr_storage storage{};
  if (address.find(':') == std::string::npos) {
    auto& sa = reinterpret_cast<sockaddr_in&>(storage);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) throw std::runtime_error("not an IPv4 address: " + address);
    length = sizeof sa;
  } else {
    auto& sa = reinterpret_cast<sockaddr_in6&>(storage);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, address.c_str(), &sa.sin6_addr) != 1) throw std::runtime_error("not an IPv6 address: " + address);
    length = sizeof sa;
  }
  return storage;
}

bool peer_gone(int error) { return error == EPIPE || error == ECONNRESET || error == ENOTCONN; }

// Decodes a chunked body starting at `from`; returns the position after it, or npos while
// incomplete.
std::size_t decode_chunked(const std::string& data, std::size_t from, std::string& body) {
  std::size_t pos = from;
  while (true) {
    auto line_end = data.find("\r\n", pos);
    if (line_end == std::string::npos) return std::string::npos;
    std::size_t size = std::stoul(data.substr(pos, line_end - pos), nullptr, 16);
    pos = line_end + 2;
    if (size == 0) {
      // Trailers (none expected) end with an empty line.
      auto end = data.find("\r\n", pos);
      while (end != std::string::npos && end != pos) {
        pos = end + 2;
        end = data.find("\r\n", pos);
      }
      return end == std::string::npos ? std::string::npos : end + 2;
    }
    if (data.size() < pos + size + 2) return std::string::npos;
    body.append(data, pos, size);
    pos += size + 2;
  }
}

}  // namespace

std::string http_answer::header(const std::string& name) const { return header_in(head, name); }

std::size_t http_answer::count(const std::string& name) const {
  std::size_t n = 0;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    auto end = head.find("\r\n", pos + 2);
    auto line = head.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos && strcasecmp(line.substr(0, colon).c_str(), name.c_str()) == 0) ++n;
    pos = end;
  }
  return n;
}

client_socket client_socket::connect_to(int port, const std::string& source, std::chrono::milliseconds deadline) {
  // CLOEXEC: replicas started later must not inherit the test's client sockets.
  socklen_t from_length = 0, to_length = 0;
  auto from = socket_address(source, 0, from_length);
  // An IPv6 source talks to the server's IPv6 loopback (a dual-stack or IPv6 listener).
  auto to = socket_address(from.ss_family == AF_INET6 ? "::1" : "127.0.0.1", port, to_length);
  int fd = socket(from.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  client_socket s(fd);
  // The port is chosen at connect time, per destination, so many sources share no port range.
  int on = 1;
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &on, sizeof(on));
  if (bind(fd, reinterpret_cast<sockaddr*>(&from), from_length) != 0)
    throw std::runtime_error("bind " + source + ": " + std::strerror(errno));
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), to_length) != 0) {
    if (errno != EINPROGRESS) throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
    if (!s.wait_for(POLLOUT, clock::now() + deadline)) throw std::runtime_error("connect: no answer before the deadline");
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) throw std::runtime_error(std::string("connect: ") + std::strerror(error));
  }
  return s;
}

client_socket::~client_socket() { close(); }

client_socket::client_socket(client_socket&& other) noexcept
    : fd_(other.fd_), closed_(other.closed_), received_(std::move(other.received_)) {
  other.fd_ = -1;
}

client_socket& client_socket::operator=(client_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    closed_ = other.closed_;
    received_ = std::move(other.received_);
    other.fd_ = -1;
  }
  return *this;
}

void client_socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool client_socket::wait_for(short events, clock::time_point until) {
  while (true) {
    pollfd p{fd_, events, 0};
    int ready = poll(&p, 1, remaining_ms(until));
    if (ready > 0) return true;  // includes POLLHUP/POLLERR: the caller's read or write tells
    if (ready < 0 && errno != EINTR) return false;
    if (clock::now() >= until) return false;
  }
}

bool client_socket::read_available() {
  char buffer[65536];
  while (!closed_ && fd_ >= 0) {
    ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    if (n > 0) {
      received_.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) closed_ = true;
    else if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    else if (errno != EINTR) closed_ = true;  // reset: bytes read before it were kept above
  }
  return !closed_;
}

bool client_socket::send_all(std::string_view bytes, std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  while (!bytes.empty()) {
    ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(POLLOUT, until)) return false;
      continue;
    }
    read_available();  // the peer is gone; keep what it answered before
    return false;
  }
  return true;
}

stream_outcome client_socket::stream(std::size_t total, const std::function<std::string_view(std::size_t)>& chunk,
                                     const std::function<void()>& after_chunk, std::chrono::milliseconds deadline) {
  stream_outcome out;
  auto until = clock::now() + deadline;
  while (out.sent < total) {
    if (clock::now() >= until) {
      out.timed_out = true;
      break;
    }
    pollfd p{fd_, POLLIN | POLLOUT, 0};
    int ready = poll(&p, 1, remaining_ms(until));
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!read_available()) {
        out.peer_stopped = true;
        break;
      }
    }
    if (!(p.revents & POLLOUT)) continue;
    auto piece = chunk(out.sent);
    piece = piece.substr(0, std::min(piece.size(), total - out.sent));
    ssize_t n = send(fd_, piece.data(), piece.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out.sent += static_cast<std::size_t>(n);
      if (after_chunk) after_chunk();
    } else if (n < 0 && peer_gone(errno)) {
      read_available();
      out.peer_stopped = true;
      break;
    }
  }
  return out;
}

std::optional<http_answer> client_socket::take_answer() {
  while (true) {
    auto head_end = received_.find("\r\n\r\n");
    if (head_end == std::string::npos) return std::nullopt;
    http_answer answer;
    answer.head = received_.substr(0, head_end);
    if (answer.head.size() >= 12 && answer.head.compare(0, 5, "HTTP/") == 0)
      answer.status = std::atoi(answer.head.c_str() + 9);
    std::size_t body_start = head_end + 4;
    if (answer.status >= 100 && answer.status < 200) {  // an interim answer: the real one follows
      received_.erase(0, body_start);
      continue;
    }
    std::size_t end;
    auto length = answer.header("Content-Length");
    if (strcasecmp(answer.header("Transfer-Encoding").c_str(), "chunked") == 0) {
      end = decode_chunked(received_, body_start, answer.body);
      if (end == std::string::npos) {
        if (!closed_) return std::nullopt;
        end = received_.size();  // cut short by the close: the status is what counts
      }
    } else if (!length.empty()) {
      std::size_t size = std::stoul(length);
      if (received_.size() < body_start + size && !closed_) return std::nullopt;
      end = std::min(received_.size(), body_start + size);
      answer.body = received_.substr(body_start, end - body_start);
    } else if (answer.status == 204 || answer.status == 304) {
      end = body_start;
    } else {  // delimited by the close
      if (!closed_) return std::nullopt;
      end = received_.size();
      answer.body = received_.substr(body_start);
    }
    received_.erase(0, end);
    return answer;
  }
}

std::optional<http_answer> client_socket::read_answer(std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  while (true) {
    if (auto answer = take_answer()) return answer;
    if (closed_) return std::nullopt;
    if (!wait_for(POLLIN, until)) return std::nullopt;
    read_available();
  }
}

bool client_socket::wait_closed(std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  while (true) {
    read_available();
    if (closed_) return true;
    if (!wait_for(POLLIN, until)) return false;
  }
}

std::vector<std::optional<http_answer>> read_answers(std::vector<client_socket>& sockets,
                                                      std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  std::vector<std::optional<http_answer>> answers(sockets.size());
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < sockets.size(); ++i) pending.push_back(i);
  while (!pending.empty()) {
    std::vector<std::size_t> still;
    for (auto i : pending) {
      answers[i] = sockets[i].take_answer();
      if (!answers[i] && !sockets[i].closed()) still.push_back(i);
    }
    pending.swap(still);
    if (pending.empty() || clock::now() >= until) break;
    std::vector<pollfd> fds;
    for (auto i : pending) fds.push_back({sockets[i].fd(), POLLIN, 0});
    int ready = poll(fds.data(), fds.size(), remaining_ms(until));
    if (ready < 0 && errno != EINTR) break;
    for (std::size_t k = 0; k < fds.size(); ++k)
      if (fds[k].revents) sockets[pending[k]].read_available();
  }
  return answers;
}

std::string get_request(const std::string& target, const std::string& extra) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

int port_of(const std::string& origin) { return std::stoi(origin.substr(origin.rfind(':') + 1)); }

}  // namespace sg::test
