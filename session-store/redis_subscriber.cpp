#include "session-store/redis_subscriber.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <new>

#include "core/log.hpp"
#include "session-store/redis_reader.hpp"
#include "session-store/redis_reply.hpp"

namespace sg {
namespace {

using steady = std::chrono::steady_clock;

// Between two connection attempts (the next sentinel of the list): soon enough to catch the
// next failover, rare enough not to hammer sentinels that are all down.
constexpr std::chrono::milliseconds retry_delay{500};
// A subscription that has been quiet this long gets a PING, so a sentinel that vanished without
// closing the connection is noticed.
constexpr std::chrono::seconds ping_interval{5};
// Pub/sub messages are a few dozen bytes; a sentinel sending more than this unanswered is broken.
constexpr std::size_t max_buffered = 1 << 20;

std::optional<int> port_of(std::string_view text) {
  int port = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || port < 1 || port > 65535) return std::nullopt;
  return port;
}

bool is_text(const redis_value& v) {
  return v.type == redis_value::kind::string || v.type == redis_value::kind::status;
}

}  // namespace

std::optional<switch_master_message> parse_switch_master(std::string_view payload) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start < payload.size() && fields.size() <= 5) {
    auto space = payload.find(' ', start);
    auto field = payload.substr(start, space == std::string_view::npos ? std::string_view::npos : space - start);
    if (field.empty()) return std::nullopt;
    fields.push_back(field);
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  if (fields.size() != 5) return std::nullopt;
  auto from_port = port_of(fields[2]);
  auto to_port = port_of(fields[4]);
  if (!from_port || !to_port) return std::nullopt;
  return switch_master_message{std::string(fields[0]), redis_address{std::string(fields[1]), *from_port},
                               redis_address{std::string(fields[3]), *to_port}};
}

struct redis_subscriber::impl {
  impl(std::vector<redis_endpoint> e, std::string c, redis_transport& t, std::chrono::milliseconds timeout,
       handlers h)
      : endpoints(std::move(e)), channel(std::move(c)), transport(t), reply_timeout(timeout), on(std::move(h)) {}

  std::vector<redis_endpoint> endpoints;
  std::string channel;
  redis_transport& transport;
  std::chrono::milliseconds reply_timeout;
  handlers on;

  std::size_t current = 0;
  bool open = false;
  bool is_subscribed = false;
  bool stopping = false;
  std::uint64_t generation = 0;
  redis_reader_ptr reader;
  std::size_t auth_replies = 0;
  std::optional<steady::time_point> waiting_since;  // a reply is due (the confirmation, a PONG)
  steady::time_point last_reply{};
  std::optional<steady::time_point> next_attempt;   // nullopt: at the first tick
  std::uint64_t errors = 0;
  std::string last_problem;

  std::string where() const {
    if (endpoints.empty()) return "";
    return redis_address{endpoints[current].host, endpoints[current].port}.text();
  }

  void connect(steady::time_point now) {
    const redis_endpoint& e = endpoints[current];
    reader = make_redis_reader();
    if (!reader) throw std::bad_alloc();
    open = true;
    is_subscribed = false;
    std::uint64_t mine = ++generation;
    if (!transport.open(0, e)) {
      if (generation == mine) fail("cannot connect", false);
      return;
    }
    if (generation != mine || !open) return;  // the transport reported a failure already
    std::string bytes;
    auth_replies = 0;
    if (!e.password.empty()) {
      if (e.username.empty()) append_redis_command(bytes, {"AUTH", e.password});
      else append_redis_command(bytes, {"AUTH", e.username, e.password});
      auth_replies = 1;
    }
    append_redis_command(bytes, {"SUBSCRIBE", channel});
    waiting_since = now;
    transport.send(0, bytes);
  }

  // Forgets the connection and moves on to the next endpoint, tried after retry_delay.
  void fail(const std::string& problem, bool close_transport) {
    bool was_subscribed = is_subscribed;
    open = false;
    is_subscribed = false;
    ++generation;
    reader.reset();
    waiting_since.reset();
    ++errors;
    if (close_transport) transport.close(0);
    // One line per change, not one per retry while every sentinel is down.
    if (was_subscribed || problem != last_problem)
      log_event(log_level::warning, "redis_sentinel_subscription_lost",
                {{"sentinel", where()}, {"channel", channel}, {"reason", problem}});
    last_problem = problem;
    if (!endpoints.empty()) current = (current + 1) % endpoints.size();
    next_attempt = steady::now() + retry_delay;
  }

  void on_data(std::size_t index, std::string_view bytes) {
    if (index != 0 || !open) return;
    std::uint64_t mine = generation;
    if (redisReaderFeed(reader.get(), bytes.data(), bytes.size()) != REDIS_OK)
      return fail("the sentinel sent a reply that cannot be read", true);
    for (;;) {
      if (!open || generation != mine) return;  // a handler closed or replaced it
      void* raw = nullptr;
      if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK)
        return fail("the sentinel sent a reply that cannot be read", true);
      if (raw == nullptr) {
        if (reader->len - reader->pos > max_buffered) fail("the sentinel sent an oversized reply", true);
        return;
      }
      reply_ptr reply(static_cast<redisReply*>(raw));
      redis_value value = to_raw_redis_value(*reply);
      last_reply = steady::now();
      if (auth_replies > 0) {
        --auth_replies;
        // The reason names WRONGPASS or "no password is set", never the password.
        if (value.is_error()) return fail("the sentinel refused AUTH: " + value.text, true);
        continue;
      }
      if (value.is_error()) return fail("the sentinel answered " + value.text, true);
      if (value.type != redis_value::kind::array || value.elements.empty() || !is_text(value.elements[0])) continue;
      const std::string& kind = value.elements[0].text;
      if (kind == "subscribe") {
        is_subscribed = true;
        waiting_since.reset();
        if (!last_problem.empty() || generation > 1)
          log_event(log_level::info, "redis_sentinel_subscribed", {{"sentinel", where()}, {"channel", channel}});
        last_problem.clear();
        if (on.subscribed) on.subscribed(current);
      } else if (kind == "pong") {
        waiting_since.reset();
      } else if (kind == "message" && value.elements.size() == 3 && is_text(value.elements[2])) {
        if (on.message) on.message(value.elements[2].text);
      }
    }
  }

  void on_closed(std::size_t index) {
    if (index != 0 || !open) return;
    fail("connection lost", false);
  }

  void on_tick(steady::time_point now) {
    if (stopping || endpoints.empty()) return;
    if (!open) {
      if (!next_attempt || now >= *next_attempt) connect(now);
      return;
    }
    if (waiting_since && now - *waiting_since >= reply_timeout) return fail("the sentinel did not answer in time", true);
    if (is_subscribed && !waiting_since && now - last_reply >= ping_interval) {
      std::string bytes;
      append_redis_command(bytes, {"PING"});
      waiting_since = now;
      transport.send(0, bytes);
    }
  }

  void shutdown() {
    if (stopping) return;
    stopping = true;
    if (open) {
      open = false;
      is_subscribed = false;
      ++generation;
      reader.reset();
      transport.close(0);
    }
  }
};

redis_subscriber::redis_subscriber(std::vector<redis_endpoint> endpoints, std::string channel,
                                   redis_transport& transport, std::chrono::milliseconds reply_timeout, handlers on)
    : impl_(std::make_unique<impl>(std::move(endpoints), std::move(channel), transport, reply_timeout, std::move(on))) {}
redis_subscriber::~redis_subscriber() { impl_->shutdown(); }

void redis_subscriber::on_data(std::size_t index, std::string_view bytes) { impl_->on_data(index, bytes); }
void redis_subscriber::on_closed(std::size_t index) { impl_->on_closed(index); }
void redis_subscriber::on_tick(std::chrono::steady_clock::time_point now) { impl_->on_tick(now); }
void redis_subscriber::shutdown() { impl_->shutdown(); }
bool redis_subscriber::subscribed() const { return impl_->is_subscribed; }
std::string redis_subscriber::where() const { return impl_->where(); }
std::uint64_t redis_subscriber::errors() const { return impl_->errors; }

}  // namespace sg
