#include "session-store/redis_socket_transport.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace sg {

redis_socket_transport::~redis_socket_transport() {
  for (auto& [index, c] : connections_) ::close(c.fd);
}

bool redis_socket_transport::open(std::size_t index, const redis_endpoint& endpoint) {
  close(index);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(endpoint.host.c_str(), std::to_string(endpoint.port).c_str(), &hints, &found) != 0 || !found)
    return false;
  int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  bool started = fd >= 0 && (::connect(fd, found->ai_addr, found->ai_addrlen) == 0 || errno == EINPROGRESS);
  ::freeaddrinfo(found);
  if (!started) {
    if (fd >= 0) ::close(fd);
    return false;
  }
  connections_[index] = connection{fd, ++generation_, {}};
  ++opened_;
  return true;
}

void redis_socket_transport::send(std::size_t index, std::string_view bytes) {
  auto it = connections_.find(index);
  if (it != connections_.end()) it->second.out.append(bytes);
}

void redis_socket_transport::close(std::size_t index) {
  auto it = connections_.find(index);
  if (it == connections_.end()) return;
  ::close(it->second.fd);
  connections_.erase(it);
}

void redis_socket_transport::poll_once(std::chrono::milliseconds wait) {
  std::vector<pollfd> fds;
  std::vector<std::pair<std::size_t, std::uint64_t>> who;
  for (const auto& [index, c] : connections_) {
    fds.push_back(pollfd{c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
    who.emplace_back(index, c.generation);
  }
  if (fds.empty()) {
    if (wait.count() > 0) ::poll(nullptr, 0, static_cast<int>(wait.count()));
    return;
  }
  if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) <= 0) return;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    // An event handled before this one may have closed or reopened the connection.
    auto it = connections_.find(who[i].first);
    if (it == connections_.end() || it->second.generation != who[i].second || fds[i].revents == 0) continue;
    if ((fds[i].revents & POLLOUT) && !flush(who[i].first)) continue;
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) receive(who[i].first, who[i].second);
  }
}

bool redis_socket_transport::flush(std::size_t index) {
  auto& c = connections_.at(index);
  while (!c.out.empty()) {
    ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      lost(index);
      return false;
    }
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

void redis_socket_transport::receive(std::size_t index, std::uint64_t generation) {
  char buffer[16384];
  for (;;) {
    auto it = connections_.find(index);
    if (it == connections_.end() || it->second.generation != generation) return;
    ssize_t n = ::recv(it->second.fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return lost(index);
    if (events_) events_->on_data(index, std::string_view(buffer, static_cast<std::size_t>(n)));
  }
}

void redis_socket_transport::lost(std::size_t index) {
  close(index);
  if (events_) events_->on_closed(index);
}

}  // namespace sg
