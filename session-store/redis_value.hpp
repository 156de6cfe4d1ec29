#pragma once
// What Redis answers and how its failures are told apart; shared by the blocking pool (tools,
// tests) and the non-blocking client a gateway loop owns.
#include <stdexcept>
#include <string>
#include <vector>

namespace sg {

// Redis cannot be reached or cannot take the command now (down, restarting, OOM, READONLY,
// LOADING...): callers answer 503.
struct redis_unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Redis answered with an error reply: a bug or a misconfiguration (ACL, wrong server).
struct redis_command_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct redis_value {
  // `error` only in replies handed over raw (redis_loop_client::submit_raw), where a cluster
  // or sentinel router reads MOVED, ASK and READONLY; stores never see one (it is thrown).
  enum class kind { nil, integer, string, status, array, error };
  kind type = kind::nil;
  long long integer = 0;
  std::string text;
  std::vector<redis_value> elements;

  bool is_nil() const { return type == kind::nil; }
  bool is_error() const { return type == kind::error; }
};

using redis_command_args = std::vector<std::string>;

}  // namespace sg
