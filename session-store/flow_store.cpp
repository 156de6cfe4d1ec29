#include "session-store/flow_store.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "session-store/browser_bound_record.hpp"

namespace sg {

std::string flow_store::key_for(const std::string& state) const {
  return prefix_ + "flow:" + sha256_hex(state);
}

namespace {
// KEYS: flow key, the browser's set of open flows, the address's start counter, started counter.
// ARGV: record, ttl, now, per-browser cap, per-address cap, flow-key prefix, this flow's hash.
constexpr const char* put_script = R"lua(
local ttl = tonumber(ARGV[2])
if ARGV[5] ~= '0' then
  local n = redis.call('INCR', KEYS[3])
  if n == 1 then redis.call('EXPIRE', KEYS[3], ttl) end
  if n > tonumber(ARGV[5]) then return 0 end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl, 'NX') then return -1 end
redis.call('INCR', KEYS[4])
local now_ms = tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now_ms, ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now_ms - ttl * 1000)
redis.call('EXPIRE', KEYS[2], ttl)
local cap = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[2]) > cap then
  -- Forget flows that were finished (their key is gone), then drop the oldest open ones,
  -- never the one just made.
  local members = redis.call('ZRANGE', KEYS[2], 0, -1)
  local open = {}
  for _, m in ipairs(members) do
    if redis.call('EXISTS', ARGV[6] .. m) == 1 then table.insert(open, m) else redis.call('ZREM', KEYS[2], m) end
  end
  local extra = #open - cap
  for _, old in ipairs(open) do
    if extra <= 0 then break end
    if old ~= ARGV[7] then
      redis.call('DEL', ARGV[6] .. old)
      redis.call('ZREM', KEYS[2], old)
      extra = extra - 1
    end
  end
end
return 1
)lua";

std::optional<flow_record> parse_record(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  flow_record record;
  record.provider = doc.value("provider", "");
  record.code_verifier = doc.value("verifier", "");
  record.redirect_uri = doc.value("redirect_uri", "");
  record.next = doc.value("next", "/");
  record.binding_hash = doc.value("binding", "");
  record.nonce = doc.value("nonce", "");
  record.created_at = doc.value("created", 0LL);
  record.process = doc.value("process", "login");
  record.scope = doc.value("scope", "");
  record.auth_params = doc.value("auth_params", "");
  record.connect_user_id = doc.value("connect_user", "");
  return record;
}
}  // namespace

flow_store::counts flow_store::totals() {
  auto replies = redis_.pipeline({{"GET", prefix_ + "stats:flows-started"}, {"GET", prefix_ + "stats:flows-finished"}});
  return {replies[0].is_nil() ? 0 : std::atoll(replies[0].text.c_str()),
          replies[1].is_nil() ? 0 : std::atoll(replies[1].text.c_str())};
}

flow_put_result flow_store::put(const std::string& state, const flow_record& record, const std::string& client_address) {
  nlohmann::json doc = {{"provider", record.provider},       {"verifier", record.code_verifier},
                        {"redirect_uri", record.redirect_uri}, {"next", record.next},
                        {"binding", record.binding_hash},      {"nonce", record.nonce},
                        {"created", record.created_at},        {"process", record.process},
                        {"scope", record.scope},               {"auth_params", record.auth_params},
                        {"connect_user", record.connect_user_id}};
  auto hash = sha256_hex(state);
  auto address_key = prefix_ + "flows-by-address:" + sha256_hex(client_address).substr(0, 32);
  auto reply = redis_.command({"EVAL", put_script, "4", prefix_ + "flow:" + hash,
                               prefix_ + "flows-by-browser:" + record.binding_hash, address_key,
                               prefix_ + "stats:flows-started", doc.dump(), std::to_string(ttl_seconds_),
                               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch()).count()),
                               std::to_string(limits_.per_browser),
                               client_address.empty() ? "0" : std::to_string(limits_.per_address),
                               prefix_ + "flow:", hash});
  if (reply.integer == 0) return flow_put_result::address_limit;
  // SET NX failed: a state collision (2^-256) must never overwrite another browser's flow.
  if (reply.integer < 0) throw redis_command_error("flow state collision");
  return flow_put_result::stored;
}

flow_claim flow_store::consume_for(const std::string& state, const std::string& binding_hash,
                                   const std::string& provider) {
  auto taken = take_browser_bound_record(redis_, key_for(state), binding_hash, provider,
                                         prefix_ + "stats:flows-finished");
  if (taken.status == bound_take_status::other_browser) return {flow_claim_status::other_browser, std::nullopt};
  if (taken.status == bound_take_status::other_provider) return {flow_claim_status::other_provider, std::nullopt};
  if (taken.status != bound_take_status::taken) return {flow_claim_status::missing, std::nullopt};
  auto record = parse_record(taken.record);
  // Redis expiry is the primary bound; this also rejects a record whose TTL was lost.
  if (!record || unix_now() - record->created_at > ttl_seconds_) return {flow_claim_status::missing, std::nullopt};
  return {flow_claim_status::consumed, record};
}

}  // namespace sg
