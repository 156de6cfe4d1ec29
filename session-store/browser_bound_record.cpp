#include "session-store/browser_bound_record.hpp"

#include "core/log.hpp"

namespace sg {
namespace {
// KEYS: the record. ARGV: caller's binding hash, caller's provider.
// The binding is compared before the provider, so another browser learns nothing about the
// record. (A plain comparison: the values are SHA-256 hashes of secrets, so timing tells
// nothing useful.) An unreadable record is left to expire. The `#!lua` shebang makes Redis
// refuse the whole script up front when it cannot write (OOM, a read-only replica) instead of
// failing half-way.
const redis_script& take_script() {
  static const redis_script script(R"lua(#!lua
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local ok, doc = pcall(cjson.decode, raw)
if not ok or type(doc) ~= 'table' then return {'missing'} end
if ARGV[1] == '' or doc['binding'] ~= ARGV[1] then return {'other_browser'} end
if doc['provider'] ~= ARGV[2] then return {'other_provider'} end
redis.call('DEL', KEYS[1])
return {'taken', raw}
)lua");
  return script;
}
}  // namespace

task<bound_take> take_browser_bound_record(redis_executor& redis, std::string key, std::string binding_hash,
                                           std::string provider, std::string taken_counter_key) {
  // Named lists: GCC 12 rejects a braced list inside a co_await expression ("array used as
  // initializer"), so every command below is built first and awaited after.
  std::vector<std::string> keys{std::move(key)};
  std::vector<std::string> args{std::move(binding_hash), std::move(provider)};
  auto reply = co_await redis.eval(take_script(), std::move(keys), std::move(args));
  auto verdict = reply.elements.empty() ? std::string("missing") : reply.elements[0].text;
  if (verdict == "other_browser") co_return bound_take{bound_take_status::other_browser, ""};
  if (verdict == "other_provider") co_return bound_take{bound_take_status::other_provider, ""};
  if (verdict != "taken" || reply.elements.size() < 2) co_return bound_take{bound_take_status::missing, ""};
  // A statistic (flows finished), counted after the take in the counter's own slot: once the
  // record is taken, losing the count must not fail the login that took it.
  if (!taken_counter_key.empty()) {
    try {
      redis_command_args count{"INCR", std::move(taken_counter_key)};
      co_await redis.exec(std::move(count));
    } catch (const std::exception& e) {
      log_event(log_level::warning, "statistic_lost", {{"counter", "taken"}, {"reason", e.what()}});
    }
  }
  co_return bound_take{bound_take_status::taken, std::move(reply.elements[1].text)};
}

}  // namespace sg
