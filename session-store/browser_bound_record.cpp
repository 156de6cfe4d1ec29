#include "session-store/browser_bound_record.hpp"

namespace sg {
namespace {
// KEYS: the record, optionally a counter. ARGV: caller's binding hash, caller's provider.
// The binding is compared before the provider, so another browser learns nothing about the
// record. (A plain comparison: the values are SHA-256 hashes of secrets, so timing tells
// nothing useful.) An unreadable record is left to expire. The `#!lua` shebang makes Redis
// refuse the whole script up front when it cannot write (OOM, a read-only replica) instead of
// failing half-way; the counter goes up before the delete for the same reason.
constexpr const char* take_script = R"lua(#!lua
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local ok, doc = pcall(cjson.decode, raw)
if not ok or type(doc) ~= 'table' then return {'missing'} end
if ARGV[1] == '' or doc['binding'] ~= ARGV[1] then return {'other_browser'} end
if doc['provider'] ~= ARGV[2] then return {'other_provider'} end
if KEYS[2] then redis.call('INCR', KEYS[2]) end
redis.call('DEL', KEYS[1])
return {'taken', raw}
)lua";
}  // namespace

bound_take take_browser_bound_record(redis_pool& redis, const std::string& key, const std::string& binding_hash,
                                     const std::string& provider, const std::string& taken_counter_key) {
  auto reply = taken_counter_key.empty()
                   ? redis.command({"EVAL", take_script, "1", key, binding_hash, provider})
                   : redis.command({"EVAL", take_script, "2", key, taken_counter_key, binding_hash, provider});
  auto verdict = reply.elements.empty() ? std::string("missing") : reply.elements[0].text;
  if (verdict == "other_browser") return {bound_take_status::other_browser, ""};
  if (verdict == "other_provider") return {bound_take_status::other_provider, ""};
  if (verdict != "taken" || reply.elements.size() < 2) return {bound_take_status::missing, ""};
  return {bound_take_status::taken, reply.elements[1].text};
}

}  // namespace sg
