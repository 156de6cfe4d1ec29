#include "session-store/flow_store.hpp"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"

namespace sg {

std::string flow_store::key_for(const std::string& state) const {
  return prefix_ + "flow:" + sha256_hex(state);
}

void flow_store::put(const std::string& state, const flow_record& record) {
  nlohmann::json doc = {{"provider", record.provider},       {"verifier", record.code_verifier},
                        {"redirect_uri", record.redirect_uri}, {"next", record.next},
                        {"binding", record.binding_hash},      {"nonce", record.nonce},
                        {"created", record.created_at},        {"process", record.process},
                        {"scope", record.scope},               {"auth_params", record.auth_params},
                        {"connect_user", record.connect_user_id}};
  // NX: a state collision (2^-256) must never overwrite another browser's flow.
  auto reply = redis_.command({"SET", key_for(state), doc.dump(), "EX", std::to_string(ttl_seconds_), "NX"});
  if (reply.is_nil()) throw redis_command_error("flow state collision");
}

std::optional<flow_record> flow_store::consume(const std::string& state) {
  auto reply = redis_.command({"GETDEL", key_for(state)});
  if (reply.is_nil()) return std::nullopt;
  auto doc = nlohmann::json::parse(reply.text, nullptr, false);
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
  // Redis expiry is the primary bound; this also rejects a record whose TTL was lost.
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  if (now - record.created_at > ttl_seconds_) return std::nullopt;
  return record;
}

}  // namespace sg
