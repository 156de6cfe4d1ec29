#include "session-store/redis_cluster_backend.hpp"

#include <array>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>

#include "core/env_config.hpp"
#include "core/log.hpp"
#include "session-store/redis_cluster_slots.hpp"
#include "session-store/redis_link_table.hpp"
#include "session-store/redis_reply.hpp"

namespace sg {
namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A command is sent at most this many times more after MOVED or ASK: a cluster that keeps
// sending it around (a slot half-configured by an operator) fails it as unavailable.
constexpr int max_redirections = 5;
// TRYAGAIN (a multi-key command or script whose keys are split by a slot migration in progress)
// is sent again on a later tick, at least this much later; it counts as a redirection.
constexpr auto tryagain_delay = 20ms;
// Refreshes after MOVED come at most this often: a resharding sends many MOVED at once.
constexpr auto refresh_interval = 100ms;
// After a round of CLUSTER SLOTS that no node answered, the next waits this long.
constexpr auto failed_round_pause = 500ms;
// Nodes named by the servers (CLUSTER SLOTS, MOVED, ASK) are kept; a cluster has a handful of
// masters, so a server naming more than this is not believed beyond it.
constexpr std::size_t max_nodes = 256;

std::exception_ptr unavailable(std::string message) {
  return std::make_exception_ptr(redis_unavailable(std::move(message)));
}

}  // namespace

struct redis_cluster_backend::impl {
  struct node {
    redis_address address;
    std::unique_ptr<redis_loop_client> client;
  };

  // One store batch on its way: its commands may go to several nodes, and come back from them
  // in any order; each reply goes to the command's position.
  struct pending {
    std::vector<redis_command_args> commands;
    std::vector<redis_value> replies;
    std::vector<int> redirections;
    std::size_t unanswered = 0;
    completion done;
    bool finished = false;
    steady::time_point queued_at;  // while waiting for the first slot map
  };
  using pending_ptr = std::shared_ptr<pending>;

  impl(const redis_settings& s, redis_transport& transport)
      : settings(s), table(transport), width(s.connections == 0 ? 1 : s.connections) {
    owners.fill(nullptr);
    if (settings.cluster_nodes.empty()) throw config_error("REDIS_CLUSTER_NODES", "no cluster node given");
  }

  ~impl() { shutdown(); }

  redis_settings settings;
  redis_link_table table;
  std::size_t width;
  // Never removed: each node's slice of connection indices stays its own (a slice is never
  // handed to another node), and completions may still point at a node.
  std::vector<std::unique_ptr<node>> nodes;
  std::unordered_map<std::string, node*> by_address;
  std::array<node*, redis_cluster_slot_count> owners{};
  bool have_map = false;

  std::deque<pending_ptr> waiting_for_map;
  struct delayed {
    pending_ptr batch;
    std::size_t index;
    steady::time_point due;
  };
  std::vector<delayed> tryagain;

  bool refreshing = false;
  bool refresh_wanted = false;
  bool started = false;
  steady::time_point next_refresh_allowed{};
  std::uint64_t refresh_round = 0;
  bool last_round_failed = false;

  std::uint64_t own_errors = 0;
  std::uint64_t moved = 0;
  std::uint64_t asked = 0;
  std::uint64_t retried = 0;
  bool stopping = false;

  node* node_for(const redis_address& address) {
    auto key = address.text();
    if (auto it = by_address.find(key); it != by_address.end()) return it->second;
    if (nodes.size() >= max_nodes) return nullptr;
    auto n = std::make_unique<node>();
    n->address = address;
    auto& slice = table.add(width);
    n->client = std::make_unique<redis_loop_client>(settings.data_at(address), width, slice, settings.reply_timeout);
    slice.attach(*n->client);
    node* raw = n.get();
    nodes.push_back(std::move(n));
    by_address.emplace(std::move(key), raw);
    return raw;
  }

  // ---- the slot map ----------------------------------------------------------------------

  void request_refresh() {
    refresh_wanted = true;
    maybe_refresh(steady::now());
  }

  void maybe_refresh(steady::time_point now) {
    if (stopping || refreshing || !refresh_wanted || now < next_refresh_allowed) return;
    refresh_wanted = false;
    refreshing = true;
    next_refresh_allowed = now + refresh_interval;
    // Masters of the current map first (they know the latest moves), then the configured nodes.
    std::vector<redis_address> candidates;
    std::vector<std::string> seen;
    auto add = [&](const redis_address& a) {
      auto text = a.text();
      for (const auto& s : seen)
        if (s == text) return;
      seen.push_back(text);
      candidates.push_back(a);
    };
    if (have_map)
      for (auto* owner : owners)
        if (owner) add(owner->address);
    for (const auto& seed : settings.cluster_nodes) add(seed);
    ++refresh_round;
    ask_slots(std::make_shared<std::vector<redis_address>>(std::move(candidates)), 0, refresh_round);
  }

  // Asks candidate `i` for CLUSTER SLOTS; on failure, the next one.
  void ask_slots(std::shared_ptr<std::vector<redis_address>> candidates, std::size_t i, std::uint64_t round) {
    for (; i < candidates->size(); ++i) {
      if (stopping) return;
      node* n = node_for((*candidates)[i]);
      if (!n) continue;
      redis_command_args ask{"CLUSTER", "SLOTS"};
      std::vector<redis_command_args> commands{std::move(ask)};
      n->client->submit_raw(std::move(commands), [this, candidates, i, round, n](std::vector<redis_value> replies,
                                                                                  std::exception_ptr failure) {
        if (round != refresh_round || stopping) return;
        if (!failure && replies.size() == 1 && apply_slots(replies[0], n->address)) {
          refreshing = false;
          if (refresh_wanted) maybe_refresh(steady::now());
          return;
        }
        ask_slots(candidates, i + 1, round);
      });
      return;  // the answer (or the failure) continues the round
    }
    round_failed();
  }

  void round_failed() {
    refreshing = false;
    next_refresh_allowed = steady::now() + failed_round_pause;
    refresh_wanted = true;  // until some node answers
    // Once per outage, not on every round (a round every half second while nothing answers).
    if (!last_round_failed) log_event(log_level::warning, "redis_cluster_slots_unknown", {{"have_map", have_map}});
    last_round_failed = true;
    if (have_map) return;
    // No node answered a whole round: what waits for a first map fails now rather than later.
    auto waiting = std::move(waiting_for_map);
    waiting_for_map.clear();
    for (auto& b : waiting) fail(b, unavailable("no Redis Cluster node answered CLUSTER SLOTS"));
  }

  bool apply_slots(const redis_value& reply, const redis_address& from) {
    std::vector<redis_slot_range> ranges;
    try {
      ranges = parse_cluster_slots(reply, from);
    } catch (const redis_command_error& e) {
      log_event(log_level::warning, "redis_cluster_slots_refused", {{"node", from.text()}, {"reason", e.what()}});
      return false;
    }
    if (ranges.empty()) return false;  // a node not yet joined: ask another
    std::array<node*, redis_cluster_slot_count> next{};
    next.fill(nullptr);
    for (const auto& range : ranges) {
      node* owner = node_for(range.master);
      if (!owner) continue;
      for (std::size_t slot = range.first; slot <= range.last; ++slot) next[slot] = owner;
    }
    bool first = !have_map;
    std::size_t changed = 0;
    for (std::size_t slot = 0; slot < next.size(); ++slot) changed += next[slot] != owners[slot] ? 1 : 0;
    owners = next;
    have_map = true;
    last_round_failed = false;
    if (!first && changed > 0)
      log_event(log_level::info, "redis_cluster_slots_changed", {{"slots", changed}, {"status", status()}});
    if (first) {
      log_event(log_level::info, "redis_cluster_located", {{"status", status()}});
      auto waiting = std::move(waiting_for_map);
      waiting_for_map.clear();
      for (auto& b : waiting) {
        std::vector<std::size_t> all;
        for (std::size_t i = 0; i < b->commands.size(); ++i) all.push_back(i);
        dispatch(b, all);
      }
    }
    return true;
  }

  // ---- batches ---------------------------------------------------------------------------

  void submit(std::vector<redis_command_args> commands, completion done) {
    if (stopping) return done({}, unavailable("the service is stopping"));
    if (commands.empty()) return done({}, nullptr);
    for (const auto& c : commands)
      if (c.empty()) return done({}, std::make_exception_ptr(redis_command_error("an empty Redis command")));
    auto b = std::make_shared<pending>();
    b->commands = std::move(commands);
    b->replies.resize(b->commands.size());
    b->redirections.assign(b->commands.size(), 0);
    b->unanswered = b->commands.size();
    b->done = std::move(done);
    if (!have_map) {
      b->queued_at = steady::now();
      waiting_for_map.push_back(b);
      if (!started) {
        started = true;
        refresh_wanted = true;
      }
      maybe_refresh(b->queued_at);
      return;
    }
    std::vector<std::size_t> all;
    for (std::size_t i = 0; i < b->commands.size(); ++i) all.push_back(i);
    dispatch(b, all);
  }

  node* route(const redis_command_args& command) {
    if (auto slot = redis_command_slot(command)) return owners[*slot];
    for (auto* owner : owners)  // no key: any master will do
      if (owner) return owner;
    return nullptr;
  }

  // Sends the commands at `positions` to their slots' masters, one raw batch per node, the
  // order within a node kept.
  void dispatch(const pending_ptr& b, const std::vector<std::size_t>& positions) {
    std::vector<std::pair<node*, std::vector<std::size_t>>> groups;
    for (auto i : positions) {
      node* target = route(b->commands[i]);
      if (!target) {
        request_refresh();
        auto slot = redis_command_slot(b->commands[i]);
        return fail(b, unavailable("no Redis Cluster master serves slot " + (slot ? std::to_string(*slot) : "(any)")));
      }
      auto it = groups.begin();
      while (it != groups.end() && it->first != target) ++it;
      if (it == groups.end()) groups.emplace_back(target, std::vector<std::size_t>{i});
      else it->second.push_back(i);
    }
    for (auto& [target, indices] : groups) {
      if (b->finished) return;  // an earlier group failed at once (no connection)
      send(b, target, std::move(indices), false);
    }
  }

  // One node's share of a batch. `asking`: each command goes after ASKING (an ASK redirection),
  // and its reply is the second of each pair.
  void send(const pending_ptr& b, node* target, std::vector<std::size_t> indices, bool asking) {
    std::vector<redis_command_args> commands;
    commands.reserve(indices.size() * (asking ? 2 : 1));
    for (auto i : indices) {
      if (asking) commands.push_back(redis_command_args{"ASKING"});
      commands.push_back(b->commands[i]);
    }
    target->client->submit_raw(std::move(commands), [this, b, target, indices = std::move(indices), asking](
                                                        std::vector<redis_value> replies, std::exception_ptr failure) {
      on_replies(b, target, indices, std::move(replies), failure, asking);
    });
  }

  void on_replies(const pending_ptr& b, node* from, const std::vector<std::size_t>& indices,
                  std::vector<redis_value> replies, std::exception_ptr failure, bool asking) {
    if (b->finished) return;
    if (failure) {
      // The node's connection is gone (or it timed out): the map may have changed too.
      if (!stopping) request_refresh();
      return fail(b, failure, true);
    }
    std::size_t stride = asking ? 2 : 1;
    if (replies.size() != indices.size() * stride)
      return fail(b, std::make_exception_ptr(redis_command_error("Redis Cluster node answered a different number of replies")));
    std::vector<std::size_t> again;  // MOVED: to the slot's new master
    std::vector<std::pair<node*, std::vector<std::size_t>>> asks;
    bool moved_here = false;
    for (std::size_t j = 0; j < indices.size(); ++j) {
      auto i = indices[j];
      redis_value& reply = replies[j * stride + (stride - 1)];
      if (reply.is_error()) {
        if (auto redirect = parse_redirection(reply.text, from->address)) {
          if (++b->redirections[i] > max_redirections)
            return fail(b, unavailable("Redis Cluster kept redirecting a command (slot " +
                                       std::to_string(redirect->slot) + ")"));
          node* target = node_for(redirect->target);
          if (!target) return fail(b, unavailable("Redis Cluster redirected to more nodes than it can have"));
          if (redirect->ask) {
            ++asked;
            auto it = asks.begin();
            while (it != asks.end() && it->first != target) ++it;
            if (it == asks.end()) asks.emplace_back(target, std::vector<std::size_t>{i});
            else it->second.push_back(i);
          } else {
            ++moved;
            owners[redirect->slot] = target;  // right at once; the refresh brings the rest
            moved_here = true;
            again.push_back(i);
          }
          continue;
        }
        if (reply.text.rfind("TRYAGAIN", 0) == 0 && b->redirections[i] < max_redirections) {
          ++b->redirections[i];
          ++retried;
          tryagain.push_back(delayed{b, i, steady::now() + tryagain_delay});
          continue;
        }
      }
      b->replies[i] = std::move(reply);
      --b->unanswered;
    }
    if (moved_here) request_refresh();
    if (!again.empty()) dispatch(b, again);
    for (auto& [target, positions] : asks) {
      if (b->finished) return;
      send(b, target, std::move(positions), true);
    }
    if (!b->finished && b->unanswered == 0) complete(b);
  }

  void complete(const pending_ptr& b) {
    b->finished = true;
    auto failure = failure_of(b->replies);
    if (!failure) return b->done(std::move(b->replies), nullptr);
    try {
      std::rethrow_exception(failure);
    } catch (const redis_unavailable&) {
      ++own_errors;  // OOM, TRYAGAIN, CLUSTERDOWN...: counted in the metrics
    } catch (...) {
    }
    b->done({}, failure);
  }

  // `counted`: a node client already counted it (a lost connection, a timeout).
  void fail(const pending_ptr& b, std::exception_ptr failure, bool counted = false) {
    if (b->finished) return;
    if (!counted && !stopping) ++own_errors;
    b->finished = true;
    b->done({}, failure);
  }

  // ---- loop events -----------------------------------------------------------------------

  void on_tick(steady::time_point now) {
    if (!started) {
      started = true;
      refresh_wanted = true;
    }
    // Indices, not iterators: a completion run from a node's tick may add a node.
    for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i]->client->on_tick(now);
    retry_due(now);
    while (!waiting_for_map.empty() && now - waiting_for_map.front()->queued_at >= settings.reply_timeout) {
      auto b = waiting_for_map.front();
      waiting_for_map.pop_front();
      fail(b, unavailable("no Redis Cluster slot map yet"));
    }
    maybe_refresh(now);
  }

  // The TRYAGAIN commands whose wait is over go again, each batch's together.
  void retry_due(steady::time_point now) {
    if (tryagain.empty()) return;
    std::vector<std::pair<pending_ptr, std::vector<std::size_t>>> due;
    std::vector<delayed> later;
    for (auto& d : tryagain) {
      if (d.batch->finished) continue;
      if (d.due > now) {
        later.push_back(std::move(d));
        continue;
      }
      auto it = due.begin();
      while (it != due.end() && it->first != d.batch) ++it;
      if (it == due.end()) due.emplace_back(d.batch, std::vector<std::size_t>{d.index});
      else it->second.push_back(d.index);
    }
    tryagain = std::move(later);
    for (auto& [b, positions] : due)
      if (!b->finished) dispatch(b, positions);
  }

  void shutdown() {
    if (stopping) return;
    stopping = true;
    auto delayed_batches = std::move(tryagain);
    tryagain.clear();
    for (auto& d : delayed_batches) fail(d.batch, unavailable("the service is stopping"));
    auto waiting = std::move(waiting_for_map);
    waiting_for_map.clear();
    for (auto& b : waiting) fail(b, unavailable("the service is stopping"));
    // The node clients fail what they carry; those completions fail their batches.
    for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i]->client->shutdown();
  }

  std::uint64_t errors() const {
    std::uint64_t total = own_errors;
    for (const auto& n : nodes) total += n->client->errors();
    return total;
  }

  std::size_t in_use() const {
    std::size_t total = 0;
    for (const auto& n : nodes) total += n->client->in_use();
    return total;
  }

  std::string status() const {
    if (!have_map) {
      std::string seeds;
      for (const auto& s : settings.cluster_nodes) seeds += (seeds.empty() ? "" : ",") + s.text();
      return "no slot map yet (asking " + seeds + ")";
    }
    std::size_t covered = 0;
    std::vector<const node*> masters;
    for (const auto* owner : owners) {
      if (!owner) continue;
      ++covered;
      bool known = false;
      for (const auto* m : masters) known = known || m == owner;
      if (!known) masters.push_back(owner);
    }
    return std::to_string(masters.size()) + " masters, " + std::to_string(covered) + " of " +
           std::to_string(redis_cluster_slot_count) + " slots";
  }
};

redis_cluster_backend::redis_cluster_backend(const redis_settings& settings, redis_transport& transport)
    : impl_(std::make_unique<impl>(settings, transport)) {}

redis_cluster_backend::~redis_cluster_backend() = default;

void redis_cluster_backend::submit(std::vector<redis_command_args> commands, completion done) {
  impl_->submit(std::move(commands), std::move(done));
}
void redis_cluster_backend::on_data(std::size_t index, std::string_view bytes) { impl_->table.on_data(index, bytes); }
void redis_cluster_backend::on_closed(std::size_t index) {
  impl_->table.on_closed(index);
  // A node went away (or closed an idle connection): the slots may have a new master.
  if (!impl_->stopping && impl_->have_map) impl_->request_refresh();
}
void redis_cluster_backend::on_tick(std::chrono::steady_clock::time_point now) { impl_->on_tick(now); }
void redis_cluster_backend::shutdown() { impl_->shutdown(); }
std::uint64_t redis_cluster_backend::errors() const { return impl_->errors(); }
std::size_t redis_cluster_backend::in_use() const { return impl_->in_use(); }
bool redis_cluster_backend::located() const { return impl_->have_map; }
std::string redis_cluster_backend::status() const { return impl_->status(); }
std::uint64_t redis_cluster_backend::moved_redirections() const { return impl_->moved; }
std::uint64_t redis_cluster_backend::ask_redirections() const { return impl_->asked; }
std::uint64_t redis_cluster_backend::tryagain_retries() const { return impl_->retried; }

}  // namespace sg
