#include "support/redis_monitor.hpp"

#include <hiredis/hiredis.h>

#include <cctype>
#include <stdexcept>

#include "core/crypto.hpp"

namespace sg::test {

monitored_command parse_monitor_line(const std::string& line) {
  monitored_command out;
  auto close = line.find(']');
  out.from_script = line.substr(0, close).find(" lua") != std::string::npos;
  for (std::size_t i = close + 1; i < line.size(); ++i) {
    if (line[i] != '"') continue;
    std::string arg;
    for (++i; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] != '\\' || i + 1 >= line.size()) {
        arg += line[i];
        continue;
      }
      char c = line[++i];
      if (c == 'n') arg += '\n';
      else if (c == 'r') arg += '\r';
      else if (c == 't') arg += '\t';
      else if (c == 'a') arg += '\a';
      else if (c == 'b') arg += '\b';
      else if (c == 'x' && i + 2 < line.size()) {
        arg += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else arg += c;
    }
    out.args.push_back(arg);
  }
  return out;
}

bool is_script_call(const monitored_command& command) {
  if (command.from_script || command.args.empty()) return false;
  std::string verb = command.args[0];
  for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return verb == "EVAL" || verb == "EVALSHA";
}

redis_monitor::redis_monitor(int port) {
  timeval timeout{10, 0};
  context_ = redisConnectWithTimeout("127.0.0.1", port, timeout);
  if (!context_ || context_->err) throw std::runtime_error("MONITOR connection failed");
  redisSetTimeout(context_, timeout);
  auto* ok = static_cast<redisReply*>(redisCommand(context_, "MONITOR"));
  if (!ok) throw std::runtime_error("MONITOR refused");
  freeReplyObject(ok);
}

redis_monitor::~redis_monitor() { redisFree(context_); }

std::vector<monitored_command> redis_monitor::finish(redis_pool& client) {
  const std::string marker = "end-of-store-workload-" + random_token(8);
  client.command({"ECHO", marker});
  std::vector<monitored_command> seen;
  for (;;) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw) throw std::runtime_error("MONITOR stream ended");
    auto* reply = static_cast<redisReply*>(raw);
    std::string line(reply->str, reply->len);
    freeReplyObject(reply);
    auto command = parse_monitor_line(line);
    if (command.args.size() == 2 && command.args[0] == "ECHO" && command.args[1] == marker) return seen;
    seen.push_back(std::move(command));
  }
}

}  // namespace sg::test
