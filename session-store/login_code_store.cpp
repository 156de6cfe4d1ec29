#include "session-store/login_code_store.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"

namespace sg {

std::string login_code_store::key_for(const std::string& code) const {
  return prefix_ + "login-code:" + sha256_hex(code);
}

std::string login_code_store::issue(const login_code_record& record) {
  auto code = random_token(32);
  nlohmann::json doc = {{"provider", record.provider}, {"user", record.user_id},
                        {"refusal", record.refusal},   {"binding", record.binding_hash}};
  redis_.command({"SET", key_for(code), doc.dump(), "EX", std::to_string(ttl_seconds_)});
  return code;
}

namespace {
// KEYS: code key. ARGV: caller's binding hash, caller's provider. Binding first, as for flows;
// `#!lua` so that Redis refuses it whole when it cannot write.
constexpr const char* redeem_script = R"lua(#!lua
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local ok, doc = pcall(cjson.decode, raw)
if not ok or type(doc) ~= 'table' then return {'missing'} end
if ARGV[1] == '' or doc['binding'] ~= ARGV[1] then return {'other_browser'} end
if doc['provider'] ~= ARGV[2] then return {'other_provider'} end
redis.call('DEL', KEYS[1])
return {'redeemed', raw}
)lua";
}  // namespace

login_code_claim login_code_store::redeem_for(const std::string& code, const std::string& binding_hash,
                                              const std::string& provider) {
  auto reply = redis_.command({"EVAL", redeem_script, "1", key_for(code), binding_hash, provider});
  auto verdict = reply.elements.empty() ? std::string("missing") : reply.elements[0].text;
  if (verdict == "other_browser") return {login_code_status::other_browser, std::nullopt};
  if (verdict == "other_provider") return {login_code_status::other_provider, std::nullopt};
  if (verdict != "redeemed" || reply.elements.size() < 2) return {login_code_status::missing, std::nullopt};
  auto doc = nlohmann::json::parse(reply.elements[1].text, nullptr, false);
  if (!doc.is_object()) return {login_code_status::missing, std::nullopt};
  return {login_code_status::redeemed, login_code_record{doc.value("provider", ""), doc.value("user", ""),
                                                         doc.value("refusal", ""), doc.value("binding", "")}};
}

}  // namespace sg
