#pragma once
// What a hiredis reply means to the stores: its value, or which failure it is. Shared by the
// blocking pool and the loop client, so both tell "try again later" (503) from "bug" (500) the
// same way.
#include <memory>
#include <string_view>

#include "session-store/redis_value.hpp"

struct redisReply;

namespace sg {

// Error replies that mean Redis cannot take the command now (503), rather than a bug or a
// misconfiguration (500).
bool is_unavailable_reply(std::string_view message);

// The reply as a redis_value. An error reply (also one nested in an array) throws
// redis_unavailable or redis_command_error, as is_unavailable_reply decides.
redis_value to_redis_value(const redisReply& reply);

// Owns a reply hiredis handed over (freeReplyObject on destruction).
struct reply_deleter {
  void operator()(redisReply* r) const;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

}  // namespace sg
