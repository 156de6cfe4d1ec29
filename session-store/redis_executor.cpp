#include "session-store/redis_executor.hpp"

#include "core/crypto.hpp"

namespace sg {

redis_script::redis_script(std::string lua) : text(std::move(lua)), sha1(sha1_hex(text)) {}

task<redis_value> redis_executor::eval(const redis_script& script, std::vector<std::string> keys,
                                       std::vector<std::string> args) {
  auto command = [&](const std::string& verb, const std::string& body) {
    redis_command_args c{verb, body, std::to_string(keys.size())};
    c.insert(c.end(), keys.begin(), keys.end());
    c.insert(c.end(), args.begin(), args.end());
    return c;
  };
  bool unknown_script = false;
  try {
    co_return co_await exec(command("EVALSHA", script.sha1));
  } catch (const redis_command_error& e) {
    if (std::string_view(e.what()).substr(0, 8) != "NOSCRIPT") throw;
    unknown_script = true;
  }
  // Not inside the catch block: a coroutine may not suspend in a handler.
  if (unknown_script) co_return co_await exec(command("EVAL", script.text));
  co_return redis_value{};
}

}  // namespace sg
