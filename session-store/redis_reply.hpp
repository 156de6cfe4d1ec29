#pragma once
// What a hiredis reply means to the stores: its value, or which failure it is. Shared by the
// blocking pool and the loop client, so both tell "try again later" (503) from "bug" (500) the
// same way.
#include <exception>
#include <memory>
#include <string>
#include <vector>
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

// The reply as a redis_value with error replies kept as kind::error values (never throws).
redis_value to_raw_redis_value(const redisReply& reply);

// What a raw reply means to a store: nullptr, or the failure its first error (also one nested
// in an array) stands for, as to_redis_value would have thrown it.
std::exception_ptr failure_of(const redis_value& reply);
// The first failure among a batch's raw replies, or nullptr.
std::exception_ptr failure_of(const std::vector<redis_value>& replies);
// An error reply's failure: redis_unavailable or redis_command_error, as is_unavailable_reply decides.
std::exception_ptr failure_of_error(const std::string& message);

// Appends the RESP request bytes of one command (argv with lengths: any byte may be in an
// argument). Throws std::bad_alloc, hiredis's only failure here.
void append_redis_command(std::string& out, const redis_command_args& args);

// Owns a reply hiredis handed over (freeReplyObject on destruction).
struct reply_deleter {
  void operator()(redisReply* r) const;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

}  // namespace sg
