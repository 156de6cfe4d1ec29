#pragma once
// A real redis-server on a random loopback port, for one test.
#include <memory>
#include <string>

#include "session-store/redis_pool.hpp"
#include "support/process.hpp"

namespace sg::test {

class redis_server {
 public:
  explicit redis_server(const std::string& scratch, bool persistence = false);
  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  // A client of the tests' own, to look at what socialgate stored.
  redis_pool& client() { return *client_; }
  void stop();
  // Starts again on the same port (and the same data directory).
  void start();

 private:
  bool launch();
  std::string scratch_;
  bool persistence_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
  std::unique_ptr<redis_pool> client_;
};

}  // namespace sg::test
