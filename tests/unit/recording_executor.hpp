#pragma once
// A pass-through redis_executor for the store tests: every batch goes to the real redis-server
// (through the wrapped executor) and is also written down, so a test can count round trips and
// see which commands a store sent.
#include <string>
#include <vector>

#include "session-store/redis_executor.hpp"

namespace sg::test {

class recording_executor : public redis_executor {
 public:
  explicit recording_executor(redis_executor& real) : real_(real) {}

  void submit(std::vector<redis_command_args> commands, completion done) override {
    batches.push_back(commands);
    real_.submit(std::move(commands), std::move(done));
  }

  // The command verbs of every batch since the last clear, e.g. {{"EVALSHA"}, {"EVAL"}}.
  std::vector<std::vector<std::string>> verbs() const {
    std::vector<std::vector<std::string>> out;
    for (const auto& batch : batches) {
      out.emplace_back();
      for (const auto& command : batch) out.back().push_back(command.empty() ? "" : command.front());
    }
    return out;
  }
  void clear() { batches.clear(); }

  std::vector<std::vector<redis_command_args>> batches;

 private:
  redis_executor& real_;
};

}  // namespace sg::test
