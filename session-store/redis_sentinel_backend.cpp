#include "session-store/redis_sentinel_backend.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <optional>

#include "core/env_config.hpp"
#include "core/log.hpp"
#include "session-store/redis_link_table.hpp"
#include "session-store/redis_reply.hpp"
#include "session-store/redis_subscriber.hpp"

namespace sg {
namespace {

using steady = std::chrono::steady_clock;

// While no master is known, the sentinels are asked again this often (not on every request):
// the 503s end soon after they have switched, without a storm of lookups meanwhile. The
// service's loops tick every 250 ms, so in practice that is once per tick.
constexpr std::chrono::milliseconds lookup_interval{200};
// Batches waiting for a master, at most (each for at most the reply timeout).
constexpr std::size_t max_waiting = 10000;

std::exception_ptr unavailable(std::string message) {
  return std::make_exception_ptr(redis_unavailable(std::move(message)));
}

std::string message_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown failure";
  }
}

bool is_unavailable(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const redis_unavailable&) {
    return true;
  } catch (...) {
    return false;
  }
}

bool is_text(const redis_value& v) {
  return v.type == redis_value::kind::string || v.type == redis_value::kind::status;
}

// A demoted master answers writes with READONLY, also inside MULTI (then EXEC fails as a whole).
bool has_readonly(const redis_value& v) {
  if (v.is_error()) return v.text.rfind("READONLY", 0) == 0;
  if (v.type == redis_value::kind::array)
    return std::any_of(v.elements.begin(), v.elements.end(), [](const redis_value& e) { return has_readonly(e); });
  return false;
}

bool has_readonly(const std::vector<redis_value>& replies) {
  return std::any_of(replies.begin(), replies.end(), [](const redis_value& r) { return has_readonly(r); });
}

std::optional<redis_address> address_of(const redis_value& reply) {
  if (reply.type != redis_value::kind::array || reply.elements.size() != 2 || !is_text(reply.elements[0]) ||
      !is_text(reply.elements[1]))
    return std::nullopt;
  const std::string& host = reply.elements[0].text;
  const std::string& port_text = reply.elements[1].text;
  int port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (host.empty() || host.size() > 255 || ec != std::errc{} || end != port_text.data() + port_text.size() ||
      port < 1 || port > 65535)
    return std::nullopt;
  for (char c : host)
    if (static_cast<unsigned char>(c) <= ' ') return std::nullopt;
  return redis_address{host, port};
}

bool same(const redis_address& a, const redis_address& b) { return a.host == b.host && a.port == b.port; }

std::vector<redis_endpoint> sentinel_endpoints(const redis_settings& settings) {
  std::vector<redis_endpoint> endpoints;
  for (const auto& s : settings.sentinels) endpoints.push_back(settings.sentinel_at(s));
  return endpoints;
}

const redis_settings& checked(const redis_settings& settings) {
  if (settings.sentinels.empty()) throw config_error("REDIS_SENTINELS", "no sentinel given");
  if (settings.sentinel_master.empty())
    throw config_error("REDIS_SENTINEL_MASTER", "required with REDIS_SENTINELS: the master's name the sentinels monitor");
  return settings;
}

}  // namespace

struct redis_sentinel_backend::impl {
  // A store's batch on its way to the master.
  struct pending {
    std::vector<redis_command_args> commands;
    completion done;
    int sends = 0;                 // at most two: the second after the master was found again
    steady::time_point deadline;   // while waiting for a master
  };

  impl(const redis_settings& s, redis_transport& transport)
      : settings(checked(s)),
        table(transport),
        sentinel_slice(table.add(1)),
        subscriber_slice(table.add(1)),
        master_slice(table.add(std::max<std::size_t>(1, s.connections))),
        sentinel_client(settings.sentinel_at(settings.sentinels.front()), 1, sentinel_slice, settings.reply_timeout),
        subscriber(sentinel_endpoints(settings), "+switch-master", subscriber_slice, settings.reply_timeout,
                   redis_subscriber::handlers{[this](const std::string& payload) { on_switch_message(payload); },
                                              [this](std::size_t) { on_subscribed(); }}),
        // Where it points does not matter until the sentinels have named a master: nothing is
        // sent to it before.
        master_client(settings.data_at(settings.sentinels.front()), std::max<std::size_t>(1, s.connections),
                      master_slice, settings.reply_timeout) {
    sentinel_slice.attach(sentinel_client);
    subscriber_slice.attach(subscriber);
    master_slice.attach(master_client);
  }

  redis_settings settings;
  redis_link_table table;
  redis_link_table::slice& sentinel_slice;
  redis_link_table::slice& subscriber_slice;
  redis_link_table::slice& master_slice;
  redis_loop_client sentinel_client;
  redis_subscriber subscriber;
  redis_loop_client master_client;

  std::optional<redis_address> master;     // known: named by a sentinel, answered ROLE as master
  std::optional<redis_address> last_master;
  std::string source;                      // the sentinel that named it
  std::string reason;                      // why no master is known
  std::uint64_t epoch = 0;                 // every change of `master`
  std::deque<pending> waiting;

  // The lookup in progress: sentinels asked in turn, from the one that answered last.
  bool looking = false;
  std::uint64_t lookup_generation = 0;     // answers to an abandoned lookup are ignored
  std::uint64_t lookup_epoch = 0;
  std::size_t cursor = 0;
  std::size_t asked = 0;
  bool name_unknown = false;
  std::vector<std::string> problems;
  std::optional<steady::time_point> next_lookup;
  std::string last_logged_reason;

  std::uint64_t own_errors = 0;
  counters stats;
  bool stopping = false;

  const std::string& name() const { return settings.sentinel_master; }

  // ---- batches ----

  void submit(std::vector<redis_command_args> commands, completion done) {
    if (stopping) return done({}, unavailable("the service is stopping"));
    if (commands.empty()) return done({}, nullptr);
    enqueue(pending{std::move(commands), std::move(done), 0, {}});
  }

  void enqueue(pending p) {
    if (master) return send(std::move(p));
    if (waiting.size() >= max_waiting) {
      ++own_errors;
      return p.done({}, unavailable("no master known for " + name() + ": " + why_unknown()));
    }
    p.deadline = steady::now() + settings.reply_timeout;
    waiting.push_back(std::move(p));
    auto now = steady::now();
    if (!looking && (!next_lookup || now >= *next_lookup)) start_lookup();
  }

  void send(pending p) {
    ++p.sends;
    std::uint64_t sent_epoch = epoch;
    std::string where = master->text();
    // The commands are kept for a second send until the first has been answered.
    std::vector<redis_command_args> commands;
    if (p.sends == 1) commands = p.commands;
    else commands = std::move(p.commands);
    master_client.submit_raw(std::move(commands),
                             [this, p = std::move(p), sent_epoch, where](std::vector<redis_value> replies,
                                                                         std::exception_ptr failure) mutable {
                               settle(std::move(p), sent_epoch, where, std::move(replies), failure);
                             });
  }

  void settle(pending p, std::uint64_t sent_epoch, const std::string& where, std::vector<redis_value> replies,
              std::exception_ptr failure) {
    if (stopping) return p.done({}, failure ? failure : unavailable("the service is stopping"));
    if (failure) {
      // Lost, timed out, refused, or moved away from: the master may have failed over.
      lost_master(sent_epoch, "the master " + where + " failed: " + message_of(failure));
      if (p.sends < 2) return retry(std::move(p));
      return p.done({}, failure);  // counted by the client that lost it
    }
    if (has_readonly(replies)) {
      lost_master(sent_epoch, "the master " + where + " answered READONLY (it is a replica now)");
      if (p.sends < 2) return retry(std::move(p));
    }
    auto error = failure_of(replies);
    if (error) {
      if (is_unavailable(error)) ++own_errors;
      return p.done({}, error);
    }
    p.done(std::move(replies), nullptr);
  }

  void retry(pending p) {
    ++stats.retries;
    enqueue(std::move(p));
  }

  // ---- finding the master ----

  void lost_master(std::uint64_t sent_epoch, const std::string& why) {
    if (sent_epoch != epoch || !master) return;  // already known, or a newer master is in place
    log_event(log_level::warning, "redis_sentinel_master_lost",
              {{"master_name", name()}, {"master", master->text()}, {"reason", why}});
    master.reset();
    ++epoch;
    reason = why;
    // The first sign of trouble: ask at once. Later rounds wait for lookup_interval.
    if (!looking) start_lookup();
  }

  void start_lookup() {
    if (stopping) return;
    looking = true;
    ++stats.lookups;
    ++lookup_generation;
    lookup_epoch = epoch;
    asked = 0;
    name_unknown = false;
    problems.clear();
    ask(cursor);
  }

  void ask(std::size_t index) {
    sentinel_client.set_endpoint(settings.sentinel_at(settings.sentinels[index]));
    std::uint64_t generation = lookup_generation;
    sentinel_client.submit_raw({{"SENTINEL", "get-master-addr-by-name", name()}},
                               [this, index, generation](std::vector<redis_value> replies, std::exception_ptr failure) {
                                 answered(index, generation, std::move(replies), failure);
                               });
  }

  void answered(std::size_t index, std::uint64_t generation, std::vector<redis_value> replies,
                std::exception_ptr failure) {
    if (stopping || generation != lookup_generation || !looking) return;
    std::string sentinel = settings.sentinels[index].text();
    std::string problem;
    if (failure) {
      problem = "sentinel " + sentinel + ": " + message_of(failure);
    } else if (replies.size() != 1) {
      problem = "sentinel " + sentinel + " sent an unexpected reply";
    } else if (replies[0].is_error()) {
      problem = "sentinel " + sentinel + " answered " + replies[0].text;
    } else if (replies[0].is_nil()) {
      name_unknown = true;
      problem = "sentinel " + sentinel + " does not know master " + name();
    } else if (auto address = address_of(replies[0])) {
      return named(index, *address);
    } else {
      problem = "sentinel " + sentinel + " sent an address that cannot be read";
    }
    problems.push_back(problem);
    if (++asked < settings.sentinels.size()) return ask((index + 1) % settings.sentinels.size());
    std::string why;
    if (name_unknown) {
      why = "the sentinels do not know master " + name();
    } else {
      for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
    }
    lookup_failed(why);
  }

  // A sentinel named `address`: checked with ROLE before batches go there, since sentinels go
  // on naming a dead master until they have agreed on a failover.
  void named(std::size_t index, const redis_address& address) {
    cursor = index;
    std::string sentinel = settings.sentinels[index].text();
    if (lookup_epoch != epoch) {
      // A +switch-master arrived meanwhile: newer than this answer.
      looking = false;
      return;
    }
    if (master && same(*master, address)) {
      looking = false;  // a check after a resubscription: nothing moved
      source = sentinel;
      return;
    }
    if (master) {
      // It moved while we were not listening: what is in flight goes to the new one.
      master.reset();
      ++epoch;
      lookup_epoch = epoch;
      reason = "the sentinels name a new master";
    }
    master_client.set_endpoint(settings.data_at(address));
    std::uint64_t generation = lookup_generation;
    master_client.submit_raw({{"ROLE"}}, [this, generation, address, sentinel](std::vector<redis_value> replies,
                                                                                std::exception_ptr failure) {
      checked_role(generation, address, sentinel, std::move(replies), failure);
    });
  }

  void checked_role(std::uint64_t generation, const redis_address& address, const std::string& sentinel,
                    std::vector<redis_value> replies, std::exception_ptr failure) {
    if (stopping || generation != lookup_generation || !looking) return;
    if (lookup_epoch != epoch) {
      looking = false;
      return;
    }
    std::string named_by = address.text() + " (named by sentinel " + sentinel + ")";
    if (failure) return lookup_failed("the master " + named_by + " cannot be reached: " + message_of(failure));
    if (replies.size() == 1 && replies[0].type == redis_value::kind::array && !replies[0].elements.empty() &&
        is_text(replies[0].elements[0])) {
      const std::string& role = replies[0].elements[0].text;
      if (role == "master") return found(address, sentinel);
      return lookup_failed(named_by + " is a " + role + ", not a master (a failover is under way)");
    }
    if (replies.size() == 1 && replies[0].is_error()) {
      // LOADING and the like: not ready. Anything else (ROLE refused by an ACL, renamed): it
      // cannot be checked this way; a READONLY reply will tell if it was wrong.
      if (is_unavailable_reply(replies[0].text)) return lookup_failed(named_by + " answered " + replies[0].text);
      return found(address, sentinel);
    }
    lookup_failed(named_by + " sent an unexpected ROLE reply");
  }

  void lookup_failed(const std::string& why) {
    looking = false;
    reason = why;
    next_lookup = steady::now() + lookup_interval;
    if (why != last_logged_reason)
      log_event(log_level::warning, "redis_sentinel_lookup_failed", {{"master_name", name()}, {"reason", why}});
    last_logged_reason = why;
  }

  // The master is known from now on; waiting batches go to it.
  void found(const redis_address& address, const std::string& from) {
    bool moved = last_master && !same(*last_master, address);
    if (moved) ++stats.changes;
    master = address;
    last_master = address;
    source = from;
    reason.clear();
    last_logged_reason.clear();
    ++epoch;
    looking = false;
    ++lookup_generation;  // whatever lookup was running is out of date
    next_lookup.reset();
    log_event(log_level::info, "redis_sentinel_master",
              {{"master_name", name()}, {"master", address.text()}, {"sentinel", from}, {"moved", moved}});
    // Moves the client when it points elsewhere (+switch-master): the batches in flight to the
    // old master fail there and come back through settle(), which sends them again to this one
    // (set_endpoint closes every old connection before it runs their completions).
    master_client.set_endpoint(settings.data_at(address));
    std::deque<pending> ready = std::move(waiting);
    waiting.clear();
    while (!ready.empty()) {
      pending p = std::move(ready.front());
      ready.pop_front();
      // A send may fail at once (connection refused) and lose the master again: the rest wait.
      if (master) send(std::move(p));
      else waiting.push_back(std::move(p));
    }
  }

  void on_switch_message(const std::string& payload) {
    if (stopping) return;
    auto message = parse_switch_master(payload);
    if (!message) {
      log_event(log_level::warning, "redis_sentinel_bad_message", {{"sentinel", subscriber.where()}});
      return;
    }
    if (message->name != name()) return;  // another master the same sentinels watch
    ++stats.switches;
    if (master && same(*master, message->to)) return;
    found(message->to, subscriber.where());
  }

  void on_subscribed() {
    // Messages published while the subscription was down are lost: ask once more.
    if (++stats.subscriptions > 1 && master && !looking && !stopping) start_lookup();
  }

  // ---- loop ----

  void on_tick(steady::time_point now) {
    if (stopping) return;
    sentinel_client.on_tick(now);
    master_client.on_tick(now);
    subscriber.on_tick(now);
    if (stopping) return;
    if (!waiting.empty() && waiting.front().deadline <= now) {
      std::deque<pending> expired;
      std::deque<pending> kept;
      for (auto& p : waiting) (p.deadline <= now ? expired : kept).push_back(std::move(p));
      waiting = std::move(kept);
      auto failure = unavailable("no master known for " + name() + ": " + why_unknown());
      for (auto& p : expired) {
        ++own_errors;
        p.done({}, failure);
      }
    }
    if (!master && !looking && (!next_lookup || now >= *next_lookup)) start_lookup();
  }

  void shutdown() {
    if (stopping) return;
    stopping = true;
    looking = false;
    ++lookup_generation;
    std::deque<pending> left = std::move(waiting);
    waiting.clear();
    master_client.shutdown();  // its waiters come back through settle(), which fails them
    sentinel_client.shutdown();
    subscriber.shutdown();
    auto failure = unavailable("the service is stopping");
    for (auto& p : left) p.done({}, failure);
  }

  std::string why_unknown() const {
    if (!reason.empty()) return reason;
    return looking ? "asking the sentinels" : "not looked up yet";
  }

  std::string status() const {
    if (master) return "master " + master->text() + " (" + name() + ", from sentinel " + source + ")";
    return "no master known for " + name() + ": " + why_unknown();
  }
};

redis_sentinel_backend::redis_sentinel_backend(const redis_settings& settings, redis_transport& transport)
    : impl_(std::make_unique<impl>(settings, transport)) {}

redis_sentinel_backend::~redis_sentinel_backend() { impl_->shutdown(); }

void redis_sentinel_backend::submit(std::vector<redis_command_args> commands, completion done) {
  impl_->submit(std::move(commands), std::move(done));
}
void redis_sentinel_backend::on_data(std::size_t index, std::string_view bytes) { impl_->table.on_data(index, bytes); }
void redis_sentinel_backend::on_closed(std::size_t index) { impl_->table.on_closed(index); }
void redis_sentinel_backend::on_tick(std::chrono::steady_clock::time_point now) { impl_->on_tick(now); }
void redis_sentinel_backend::shutdown() { impl_->shutdown(); }

std::uint64_t redis_sentinel_backend::errors() const {
  return impl_->own_errors + impl_->master_client.errors() + impl_->sentinel_client.errors() +
         impl_->subscriber.errors();
}

std::size_t redis_sentinel_backend::in_use() const {
  return impl_->master_client.in_use() + impl_->sentinel_client.in_use();
}

bool redis_sentinel_backend::located() const { return impl_->master.has_value(); }
std::string redis_sentinel_backend::status() const { return impl_->status(); }
redis_sentinel_backend::counters redis_sentinel_backend::stats() const { return impl_->stats; }

}  // namespace sg
