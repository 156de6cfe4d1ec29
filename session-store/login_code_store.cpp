#include "session-store/login_code_store.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "session-store/browser_bound_record.hpp"

namespace sg {

std::string login_code_store::key_for(const std::string& code) const {
  return prefix_ + "login-code:" + sha256_hex(code);
}

task<std::string> login_code_store::issue(login_code_record record) {
  auto code = random_token(32);
  nlohmann::json doc = {{"provider", record.provider}, {"user", record.user_id},
                        {"refusal", record.refusal},   {"binding", record.binding_hash}};
  redis_command_args store{"SET", key_for(code), doc.dump(), "EX", std::to_string(ttl_seconds_)};
  co_await redis_.exec(std::move(store));
  co_return code;
}

task<login_code_claim> login_code_store::redeem_for(std::string code, std::string binding_hash, std::string provider) {
  auto taken = co_await take_browser_bound_record(redis_, key_for(code), std::move(binding_hash), std::move(provider));
  if (taken.status == bound_take_status::other_browser)
    co_return login_code_claim{login_code_status::other_browser, std::nullopt};
  if (taken.status == bound_take_status::other_provider)
    co_return login_code_claim{login_code_status::other_provider, std::nullopt};
  if (taken.status != bound_take_status::taken) co_return login_code_claim{login_code_status::missing, std::nullopt};
  auto doc = nlohmann::json::parse(taken.record, nullptr, false);
  if (!doc.is_object()) co_return login_code_claim{login_code_status::missing, std::nullopt};
  co_return login_code_claim{login_code_status::redeemed,
                             login_code_record{doc.value("provider", ""), doc.value("user", ""),
                                               doc.value("refusal", ""), doc.value("binding", "")}};
}

}  // namespace sg
