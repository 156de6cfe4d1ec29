#include "support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "support/wait.hpp"

extern char** environ;

namespace sg::test {

child_process::child_process(std::vector<std::string> argv, std::map<std::string, std::string> env,
                             std::string log_path)
    : log_path_(std::move(log_path)) {
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    auto name = entry.substr(0, entry.find('='));
    if (!env.count(name)) environment.push_back(entry);
  }
  for (const auto& [name, value] : env) environment.push_back(name + "=" + value);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Child: output to the log file, no inherited stdin (CTest would wait on an open pipe).
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
}

child_process::~child_process() {
  if (running()) {
    signal(SIGKILL);
    wait_exit(std::chrono::seconds(5));
  }
}

std::string child_process::log() const {
  std::ifstream in(log_path_);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::optional<int> child_process::wait_for_listening_port(std::chrono::milliseconds deadline) {
  std::optional<int> port;
  wait_until(
      [&] {
        std::istringstream lines(log());
        std::string line;
        while (std::getline(lines, line)) {
          auto doc = nlohmann::json::parse(line, nullptr, false);
          if (doc.is_object() && doc.value("event", "") == "listening") {
            port = doc.value("port", 0);
            return true;
          }
        }
        return !running();
      },
      deadline);
  return port;
}

bool child_process::running() {
  if (status_ || pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void child_process::signal(int sig) {
  if (running()) kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds deadline) {
  wait_until([&] { return !running(); }, deadline);
  return status_;
}

scratch_dir::scratch_dir() {
  auto base = std::filesystem::temp_directory_path() / "socialgate-tests";
  std::filesystem::create_directories(base);
  std::string pattern = (base / "run-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

scratch_dir::~scratch_dir() {
  std::error_code ignored;
  if (!std::getenv("SG_TEST_KEEP")) std::filesystem::remove_all(path_, ignored);
}

}  // namespace sg::test
