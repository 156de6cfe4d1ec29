#include "session-store/redis_pool.hpp"

#include <hiredis/hiredis.h>

#include "session-store/redis_reply.hpp"

namespace sg {

struct redis_pool::slot {
  redisContext* context = nullptr;
  void reset() {
    if (context) redisFree(context);
    context = nullptr;
  }
  ~slot() { reset(); }
};

namespace {


void append(redisContext* context, const redis_command_args& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data());
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

}  // namespace

redis_pool::redis_pool(redis_endpoint endpoint, std::size_t size, std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {
  for (std::size_t i = 0; i < size; ++i) {
    slots_.push_back(std::make_unique<slot>());
    free_.push_back(slots_.back().get());
  }
}

redis_pool::~redis_pool() = default;

redis_pool::slot* redis_pool::acquire() {
  std::unique_lock lock(mutex_);
  if (!available_.wait_for(lock, timeout_, [&] { return !free_.empty(); })) {
    ++errors_;
    throw redis_unavailable("all Redis connections are busy");
  }
  slot* s = free_.back();
  free_.pop_back();
  return s;
}

void redis_pool::release(slot* s) {
  {
    std::lock_guard lock(mutex_);
    free_.push_back(s);
  }
  available_.notify_one();
}

void redis_pool::connect(slot& s) {
  s.reset();
  auto tv = to_timeval(timeout_);
  s.context = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv);
  if (s.context == nullptr || s.context->err) {
    std::string why = s.context ? s.context->errstr : "out of memory";
    s.reset();
    throw redis_unavailable("cannot connect to Redis at " + endpoint_.host + ":" +
                            std::to_string(endpoint_.port) + ": " + why);
  }
  redisSetTimeout(s.context, tv);
  std::vector<redis_command_args> setup;
  if (!endpoint_.password.empty()) {
    if (endpoint_.username.empty()) setup.push_back({"AUTH", endpoint_.password});
    else setup.push_back({"AUTH", endpoint_.username, endpoint_.password});
  }
  if (endpoint_.database != 0) setup.push_back({"SELECT", std::to_string(endpoint_.database)});
  for (const auto& args : setup) append(s.context, args);
  for (std::size_t i = 0; i < setup.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(s.context, &raw) != REDIS_OK) {
      s.reset();
      throw redis_unavailable("Redis connection lost during authentication");
    }
    reply_ptr reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) {
      std::string message(reply->str, reply->len);
      s.reset();
      // Never echo the password; Redis's message does not contain it.
      throw redis_unavailable("Redis refused the connection setup: " + message);
    }
  }
}

std::vector<redis_value> redis_pool::run(const std::vector<redis_command_args>& commands) {
  slot* s = acquire();
  struct releaser {
    redis_pool* pool;
    slot* s;
    ~releaser() { pool->release(s); }
  } guard{this, s};

  // A pooled connection may be stale (Redis restarted): one retry on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = s->context != nullptr;
    try {
      if (!s->context) connect(*s);
    } catch (const redis_unavailable&) {
      std::lock_guard lock(mutex_);
      ++errors_;
      throw;
    }
    for (const auto& args : commands) append(s->context, args);
    std::vector<reply_ptr> replies;
    bool broken = false;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(s->context, &raw) != REDIS_OK || raw == nullptr) {
        broken = true;
        break;
      }
      replies.emplace_back(static_cast<redisReply*>(raw));
    }
    if (broken) {
      std::string why = s->context->errstr;
      s->reset();
      if (reused && attempt == 0 && replies.empty()) continue;
      std::lock_guard lock(mutex_);
      ++errors_;
      throw redis_unavailable("Redis connection failed: " + why);
    }
    std::vector<redis_value> values;
    try {
      for (const auto& reply : replies) values.push_back(to_redis_value(*reply));
    } catch (const redis_unavailable&) {
      std::lock_guard lock(mutex_);
      ++errors_;  // OOM, READONLY, LOADING...: counted with lost connections in the metrics
      throw;
    }
    return values;
  }
  throw redis_unavailable("Redis connection failed");
}

void redis_pool::submit(std::vector<redis_command_args> commands, completion done) {
  std::vector<redis_value> replies;
  std::exception_ptr failure;
  try {
    replies = pipeline(commands);
  } catch (...) {
    failure = std::current_exception();
  }
  done(std::move(replies), failure);
}

redis_value redis_pool::command(const redis_command_args& args) { return run({args}).front(); }

std::vector<redis_value> redis_pool::pipeline(const std::vector<redis_command_args>& commands) {
  if (commands.empty()) return {};
  return run(commands);
}

bool redis_pool::ping() {
  try {
    auto reply = command({"PING"});
    return reply.type == redis_value::kind::status && reply.text == "PONG";
  } catch (const std::exception&) {
    return false;
  }
}

std::uint64_t redis_pool::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

std::size_t redis_pool::in_use() const {
  std::lock_guard lock(mutex_);
  return slots_.size() - free_.size();
}

}  // namespace sg
