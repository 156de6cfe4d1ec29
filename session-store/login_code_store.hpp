#pragma once
// The `cvat-ui` flow's one-time login codes: socialgate's own (never the IdP's), single use,
// short-lived, bound to the browser that finished the callback. Stored under a hash.
#include <optional>
#include <string>

#include "session-store/redis_pool.hpp"

namespace sg {

struct login_code_record {
  std::string provider;
  std::string user_id;       // empty when the login was refused
  std::string refusal;       // e.g. "Unverified email": the token request answers 400 with it
  std::string binding_hash;  // the browser that may redeem it
};

class login_code_store {
 public:
  login_code_store(redis_pool& redis, std::string prefix, long ttl_seconds)
      : redis_(redis), prefix_(std::move(prefix)), ttl_seconds_(ttl_seconds) {}
  // Mints a code for `record` and returns it.
  std::string issue(const login_code_record& record);
  // GETDEL: a code is redeemed at most once.
  std::optional<login_code_record> redeem(const std::string& code);
  std::string key_for(const std::string& code) const;

 private:
  redis_pool& redis_;
  std::string prefix_;
  long ttl_seconds_;
};

}  // namespace sg
