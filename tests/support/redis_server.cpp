#include "support/redis_server.hpp"

#include <csignal>
#include <random>
#include <stdexcept>

#include "support/wait.hpp"

namespace sg::test {

redis_server::redis_server(const std::string& scratch, bool persistence) : scratch_(scratch), persistence_(persistence) {
  std::random_device seed;
  std::mt19937 random(seed());
  // Other jobs on the machine run servers too: pick random ports until one is free.
  for (int attempt = 0; attempt < 30; ++attempt) {
    port_ = std::uniform_int_distribution<int>(20000, 59999)(random);
    if (launch()) {
      client_ = std::make_unique<redis_pool>(redis_endpoint{"127.0.0.1", port_, "", "", 0}, 4);
      return;
    }
  }
  throw std::runtime_error("could not start redis-server on a free port");
}

bool redis_server::launch() {
  std::vector<std::string> argv = {"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                   "--dir", scratch_, "--save", "", "--appendonly", persistence_ ? "yes" : "no",
                                   "--dbfilename", "dump-" + std::to_string(port_) + ".rdb"};
  if (persistence_) {
    argv.push_back("--appendfsync");
    argv.push_back("always");
  }
  process_ = std::make_unique<child_process>(argv, std::map<std::string, std::string>{},
                                             scratch_ + "/redis-" + std::to_string(port_) + ".log");
  redis_pool probe(redis_endpoint{"127.0.0.1", port_, "", "", 0}, 1, std::chrono::milliseconds(200));
  bool up = wait_until([&] { return !process_->running() || probe.ping(); }, std::chrono::seconds(10));
  return up && process_->running();
}

void redis_server::stop() {
  process_->signal(SIGKILL);
  process_->wait_exit();
}

void redis_server::start() {
  if (!launch()) throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
}

}  // namespace sg::test
