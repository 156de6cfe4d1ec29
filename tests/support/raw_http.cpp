#include "support/raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace sg::test {

std::string header_in(const std::string& head, const std::string& name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    auto end = head.find("\r\n", pos + 2);
    auto line = head.substr(pos + 2, end == std::string::npos ? std::string::npos : end - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos && strcasecmp(line.substr(0, colon).c_str(), name.c_str()) == 0) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      return value;
    }
    pos = end;
  }
  return "";
}

std::string raw_response::header(const std::string& name) const { return header_in(head, name); }

raw_response raw_get(const std::string& origin, const std::string& target,
                     const std::map<std::string, std::string>& headers) {
  // origin: http://127.0.0.1:PORT
  auto colon = origin.rfind(':');
  int port = std::stoi(origin.substr(colon + 1));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    throw std::runtime_error("cannot connect to " + origin);
  }
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  request += "\r\n";
  send(fd, request.data(), request.size(), 0);
  // Read until the whole response is in (head plus Content-Length bytes): a server may keep
  // the connection open after answering, so waiting for the close would wait out its timeout.
  std::string received;
  char buffer[4096];
  raw_response response;
  for (ssize_t n; (n = recv(fd, buffer, sizeof(buffer), 0)) > 0;) {
    received.append(buffer, static_cast<std::size_t>(n));
    auto head_end = received.find("\r\n\r\n");
    if (head_end == std::string::npos) continue;
    response.head = received.substr(0, head_end);
    auto length = response.header("Content-Length");
    if (received.size() >= head_end + 4 + (length.empty() ? 0 : std::stoul(length))) break;
  }
  close(fd);
  response.head = received.substr(0, received.find("\r\n\r\n"));
  if (response.head.size() > 12) response.status = std::stoi(response.head.substr(9, 3));
  return response;
}

}  // namespace sg::test
