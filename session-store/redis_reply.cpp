#include "session-store/redis_reply.hpp"

#include <hiredis/hiredis.h>

#include <new>
#include <string>

namespace sg {

// The one place that decides which error replies mean "unavailable, try again" (503) rather than
// a bug or a misconfiguration (500). States a server passes through or is put in by its operator:
// loading its data after a restart, a long script, a failover (MASTERDOWN, a replica made
// READONLY, NOREPLICAS for min-replicas-to-write), a cluster resharding (TRYAGAIN, CLUSTERDOWN),
// and memory full under `noeviction` (OOM). A script's error reply starts with the code of the
// command that failed inside it, so the same test covers EVAL.
bool is_unavailable_reply(std::string_view message) {
  for (std::string_view code : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "OOM", "READONLY",
                                "NOREPLICAS"})
    if (message.substr(0, code.size()) == code &&
        (message.size() == code.size() || message[code.size()] == ' '))
      return true;
  return false;
}

redis_value to_redis_value(const redisReply& reply) {
  redis_value value;
  switch (reply.type) {
    case REDIS_REPLY_NIL: break;
    case REDIS_REPLY_INTEGER:
      value.type = redis_value::kind::integer;
      value.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
      value.type = redis_value::kind::string;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      value.type = redis_value::kind::status;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR: {
      std::string message(reply.str, reply.len);
      if (is_unavailable_reply(message)) throw redis_unavailable("Redis cannot take this now: " + message);
      throw redis_command_error(message);
    }
    case REDIS_REPLY_ARRAY:
      value.type = redis_value::kind::array;
      for (std::size_t i = 0; i < reply.elements; ++i) value.elements.push_back(to_redis_value(*reply.element[i]));
      break;
  }
  return value;
}

redis_value to_raw_redis_value(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR) {
    redis_value value;
    value.type = redis_value::kind::error;
    value.text.assign(reply.str, reply.len);
    return value;
  }
  if (reply.type != REDIS_REPLY_ARRAY) return to_redis_value(reply);  // no error inside
  redis_value value;
  value.type = redis_value::kind::array;
  for (std::size_t i = 0; i < reply.elements; ++i) value.elements.push_back(to_raw_redis_value(*reply.element[i]));
  return value;
}

std::exception_ptr failure_of_error(const std::string& message) {
  if (is_unavailable_reply(message))
    return std::make_exception_ptr(redis_unavailable("Redis cannot take this now: " + message));
  return std::make_exception_ptr(redis_command_error(message));
}

std::exception_ptr failure_of(const redis_value& reply) {
  if (reply.type == redis_value::kind::error) return failure_of_error(reply.text);
  for (const auto& element : reply.elements)
    if (auto failure = failure_of(element)) return failure;
  return nullptr;
}

std::exception_ptr failure_of(const std::vector<redis_value>& replies) {
  for (const auto& reply : replies)
    if (auto failure = failure_of(reply)) return failure;
  return nullptr;
}

void append_redis_command(std::string& out, const redis_command_args& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* formatted = nullptr;
  int length = redisFormatCommandArgv(&formatted, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (length < 0) throw std::bad_alloc();
  out.append(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
}

void reply_deleter::operator()(redisReply* r) const {
  if (r) freeReplyObject(r);
}

}  // namespace sg
