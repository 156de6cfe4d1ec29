#pragma once
// The `cvat-ui` flow's one-time login codes: socialgate's own (never the IdP's), single use,
// short-lived, bound to the browser that finished the callback. Stored under a hash.
#include <optional>
#include <string>

#include "core/task.hpp"
#include "session-store/redis_executor.hpp"

namespace sg {

struct login_code_record {
  std::string provider;
  std::string user_id;       // empty when the login was refused
  std::string refusal;       // e.g. "Unverified email": the token request answers 400 with it
  std::string binding_hash;  // the browser that may redeem it
};

// What an attempt to redeem a code found. Only `redeemed` deleted anything.
enum class login_code_status { redeemed, missing, other_browser, other_provider };
struct login_code_claim {
  login_code_status status = login_code_status::missing;
  std::optional<login_code_record> record;  // set when redeemed
};

class login_code_store {
 public:
  login_code_store(redis_executor& redis, std::string prefix, long ttl_seconds)
      : redis_(redis), prefix_(std::move(prefix)), ttl_seconds_(ttl_seconds) {}
  // Mints a code for `record` and returns it.
  task<std::string> issue(login_code_record record);
  // One Lua check-and-delete: the code is redeemed (deleted) only by the browser it was issued
  // to (`binding_hash` of the caller's binding cookie, empty when none) for this provider; any
  // other attempt consumes nothing, so a code seen in a log or a Referer cannot be burnt by a
  // third party. Redeemed at most once.
  task<login_code_claim> redeem_for(std::string code, std::string binding_hash, std::string provider);
  std::string key_for(const std::string& code) const;

 private:
  redis_executor& redis_;
  std::string prefix_;
  long ttl_seconds_;
};

}  // namespace sg
