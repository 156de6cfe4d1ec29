#pragma once
// What a Redis server runs, as its MONITOR stream shows it: for the tests that check which keys
// and slots each store command and script touches (store_scripts_test, the Cluster tests).
#include <string>
#include <vector>

#include "session-store/redis_pool.hpp"

struct redisContext;

namespace sg::test {

struct monitored_command {
  bool from_script = false;  // run by redis.call inside a script ("[0 lua]")
  std::vector<std::string> args;
};

// One MONITOR line: `<time> [<db> <source>] "VERB" "arg" ...`, arguments escaped as sdscatrepr does.
monitored_command parse_monitor_line(const std::string& line);

// EVAL or EVALSHA sent by a client (not a redis.call inside a script).
bool is_script_call(const monitored_command& command);

// Everything the server on `port` runs from construction until `finish()`.
class redis_monitor {
 public:
  explicit redis_monitor(int port);
  ~redis_monitor();
  redis_monitor(const redis_monitor&) = delete;
  redis_monitor& operator=(const redis_monitor&) = delete;

  // Sends a marker through `client` (a connection to the same server) and returns what was run
  // before it.
  std::vector<monitored_command> finish(redis_pool& client);

 private:
  redisContext* context_ = nullptr;
};

}  // namespace sg::test
