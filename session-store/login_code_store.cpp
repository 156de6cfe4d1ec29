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

std::optional<login_code_record> login_code_store::redeem(const std::string& code) {
  auto reply = redis_.command({"GETDEL", key_for(code)});
  if (reply.is_nil()) return std::nullopt;
  auto doc = nlohmann::json::parse(reply.text, nullptr, false);
  if (!doc.is_object()) return std::nullopt;
  return login_code_record{doc.value("provider", ""), doc.value("user", ""), doc.value("refusal", ""),
                           doc.value("binding", "")};
}

}  // namespace sg
