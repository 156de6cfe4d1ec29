#include "session-store/flow_store.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "session-store/browser_bound_record.hpp"
#include "session-store/window_counter.hpp"

namespace sg {

std::string flow_store::key_for(const std::string& state) const {
  return prefix_ + "flow:" + sha256_hex(state);
}

namespace {
// KEYS[1]: the browser's set of open flows (flow hashes scored by start time in ms).
// ARGV: now (ms), ttl, per-browser cap, this flow's hash.
// Records the flow, forgets entries older than the TTL, and when the set is over the cap returns
// every member, oldest first, for the caller to drop the oldest still open: the flow records
// live in other Cluster slots, so this script touches the set alone.
const redis_script& remember_flow_script() {
  static const redis_script script(R"lua(
local now_ms, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now_ms, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms - ttl * 1000)
redis.call('EXPIRE', KEYS[1], ttl)
if redis.call('ZCARD', KEYS[1]) <= tonumber(ARGV[3]) then return {} end
return redis.call('ZRANGE', KEYS[1], 0, -1)
)lua");
  return script;
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

long long counter_value(const redis_value& reply) { return reply.is_nil() ? 0 : std::atoll(reply.text.c_str()); }

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

task<flow_store::counts> flow_store::totals() {
  std::vector<redis_command_args> reads{{"GET", prefix_ + "stats:flows-started"},
                                        {"GET", prefix_ + "stats:flows-finished"}};
  auto replies = co_await redis_.exec_pipeline(std::move(reads));
  co_return counts{counter_value(replies[0]), counter_value(replies[1])};
}

task<flow_put_result> flow_store::put(std::string state, flow_record record, std::string client_address) {
  nlohmann::json doc = {{"provider", record.provider},       {"verifier", record.code_verifier},
                        {"redirect_uri", record.redirect_uri}, {"next", record.next},
                        {"binding", record.binding_hash},      {"nonce", record.nonce},
                        {"created", record.created_at},        {"process", record.process},
                        {"scope", record.scope},               {"auth_params", record.auth_params},
                        {"connect_user", record.connect_user_id}};
  const auto hash = sha256_hex(state);
  const auto ttl = std::to_string(ttl_seconds_);
  if (!client_address.empty() && limits_.per_address != 0) {
    auto address_key = prefix_ + "flows-by-address:" + sha256_hex(client_address).substr(0, 32);
    auto started = co_await count_in_window(redis_, std::move(address_key), ttl_seconds_);
    if (started.count > limits_.per_address) co_return flow_put_result::address_limit;
  }
  std::vector<redis_command_args> store{{"SET", prefix_ + "flow:" + hash, doc.dump(), "EX", ttl, "NX"},
                                        {"INCR", prefix_ + "stats:flows-started"}};
  auto stored = co_await redis_.exec_pipeline(std::move(store));
  // SET NX failed: a state collision (2^-256) must never overwrite another browser's flow.
  if (stored[0].is_nil()) throw redis_command_error("flow state collision");
  auto browser_key = prefix_ + "flows-by-browser:" + record.binding_hash;
  std::vector<std::string> keys{browser_key};
  std::vector<std::string> args{std::to_string(now_ms()), ttl, std::to_string(limits_.per_browser), hash};
  auto members = co_await redis_.eval(remember_flow_script(), std::move(keys), std::move(args));
  if (!members.elements.empty())
    co_await drop_oldest_beyond_cap(std::move(browser_key), std::move(members.elements), hash);
  co_return flow_put_result::stored;
}

task<bool> flow_store::browser_has_open_flows(std::string binding_hash) {
  redis_command_args probe{"EXISTS", prefix_ + "flows-by-browser:" + binding_hash};
  co_return (co_await redis_.exec(std::move(probe))).integer == 1;
}

// Forgets flows that were finished (their record is gone), then drops the oldest open ones
// beyond the cap, never `kept` (the one just made). One key per command: each may live in its
// own Cluster slot.
task<void> flow_store::drop_oldest_beyond_cap(std::string browser_key, std::vector<redis_value> members,
                                              std::string kept) {
  std::vector<redis_command_args> probes;
  for (const auto& member : members) probes.push_back({"EXISTS", prefix_ + "flow:" + member.text});
  auto exists = co_await redis_.exec_pipeline(std::move(probes));
  std::vector<redis_command_args> changes;
  std::vector<std::string> open;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (exists[i].integer == 1) open.push_back(members[i].text);
    else changes.push_back({"ZREM", browser_key, members[i].text});
  }
  auto extra = static_cast<long>(open.size()) - limits_.per_browser;
  for (const auto& old : open) {
    if (extra <= 0) break;
    if (old == kept) continue;
    changes.push_back({"DEL", prefix_ + "flow:" + old});
    changes.push_back({"ZREM", browser_key, old});
    --extra;
  }
  if (!changes.empty()) co_await redis_.exec_pipeline(std::move(changes));
}

task<flow_claim> flow_store::consume_for(std::string state, std::string binding_hash, std::string provider) {
  auto taken = co_await take_browser_bound_record(redis_, key_for(state), std::move(binding_hash), std::move(provider),
                                                  prefix_ + "stats:flows-finished");
  if (taken.status == bound_take_status::other_browser) co_return flow_claim{flow_claim_status::other_browser, std::nullopt};
  if (taken.status == bound_take_status::other_provider)
    co_return flow_claim{flow_claim_status::other_provider, std::nullopt};
  if (taken.status != bound_take_status::taken) co_return flow_claim{flow_claim_status::missing, std::nullopt};
  auto record = parse_record(taken.record);
  // Redis expiry is the primary bound; this also rejects a record whose TTL was lost.
  if (!record || unix_now() - record->created_at > ttl_seconds_)
    co_return flow_claim{flow_claim_status::missing, std::nullopt};
  co_return flow_claim{flow_claim_status::consumed, std::move(record)};
}

}  // namespace sg
