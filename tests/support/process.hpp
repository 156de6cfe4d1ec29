#pragma once
// A child process (socialgate, the dev IdP, redis-server) with its output in a log file.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sg::test {

class child_process {
 public:
  child_process(std::vector<std::string> argv, std::map<std::string, std::string> env, std::string log_path);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  // Waits for a JSON log line {"event":"listening",...,"port":N} and returns N.
  std::optional<int> wait_for_listening_port(std::chrono::milliseconds deadline = std::chrono::seconds(15));
  std::string log() const;
  bool running();
  void signal(int sig);
  // Waits for the exit and returns its status (exit code, or 128+signal); nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds deadline = std::chrono::seconds(15));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::optional<int> status_;
};

// A fresh scratch directory under the build tree, removed at destruction.
class scratch_dir {
 public:
  scratch_dir();
  ~scratch_dir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace sg::test
