// Issue 14: a real Redis Cluster (three masters by default) for the cluster-mode tests.
#include "support/redis_cluster_fixture.hpp"

#include <csignal>
#include <random>
#include <stdexcept>

#include "support/wait.hpp"

namespace sg::test {

struct redis_cluster::node {
  int port = 0;
  std::unique_ptr<child_process> process;
  std::unique_ptr<redis_pool> client;
};

redis_cluster::redis_cluster(const std::string& scratch, std::size_t masters) : scratch_(scratch) {
  std::mt19937 random(std::random_device{}());
  // Other jobs on the machine run servers too: random ports (the bus port, +10000, must be free
  // as well; a server that cannot bind either exits), retried until one starts.
  for (std::size_t i = 0; i < masters; ++i) {
    auto n = std::make_unique<node>();
    bool up = false;
    for (int attempt = 0; attempt < 30 && !up; ++attempt)
      up = launch(*n, std::uniform_int_distribution<int>(20000, 49999)(random));
    if (!up) throw std::runtime_error("could not start a cluster-mode redis-server on a free port");
    nodes_.push_back(std::move(n));
  }

  std::vector<std::string> create{"/usr/bin/redis-cli", "--cluster", "create"};
  for (const auto& n : nodes_) create.push_back("127.0.0.1:" + std::to_string(n->port));
  for (const char* arg : {"--cluster-replicas", "0", "--cluster-yes"}) create.emplace_back(arg);
  child_process cli(create, {}, scratch_ + "/cluster-create.log");
  auto status = cli.wait_exit(std::chrono::seconds(60));
  if (status != 0) throw std::runtime_error("redis-cli --cluster create failed:\n" + cli.log());

  // Ready: every node says ok and sees every slot served by the same number of masters.
  bool ready = wait_until(
      [&] {
        for (auto& n : nodes_) {
          try {
            if (n->client->command({"CLUSTER", "INFO"}).text.find("cluster_state:ok") == std::string::npos) return false;
            auto slots = n->client->command({"CLUSTER", "SLOTS"});
            long long covered = 0;
            for (const auto& range : slots.elements) covered += range.elements.at(1).integer - range.elements.at(0).integer + 1;
            if (covered != 16384) return false;
          } catch (const std::exception&) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(30));
  if (!ready) throw std::runtime_error("the Redis Cluster did not reach cluster_state:ok");
}

redis_cluster::~redis_cluster() = default;

bool redis_cluster::launch(node& n, int port) {
  auto id = std::to_string(port);
  n.port = port;
  n.process = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/redis-server", "--port", id, "--bind", "127.0.0.1", "--dir", scratch_,
                               "--save", "", "--appendonly", "no", "--dbfilename", "dump-" + id + ".rdb",
                               "--cluster-enabled", "yes", "--cluster-config-file", scratch_ + "/nodes-" + id + ".conf"},
      std::map<std::string, std::string>{}, scratch_ + "/redis-" + id + ".log");
  n.client = std::make_unique<redis_pool>(redis_endpoint{"127.0.0.1", port, "", "", 0}, 2, std::chrono::milliseconds(2000));
  bool up = wait_until([&] { return !n.process->running() || n.client->ping(); }, std::chrono::seconds(10));
  if (up && n.process->running()) return true;
  n.client.reset();
  n.process.reset();
  return false;
}

int redis_cluster::port(std::size_t node) const { return nodes_.at(node)->port; }

std::string redis_cluster::addresses() const {
  std::string out;
  for (const auto& n : nodes_) out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(n->port);
  return out;
}

redis_pool& redis_cluster::client(std::size_t node) { return *nodes_.at(node)->client; }

std::string redis_cluster::node_id(std::size_t node) { return client(node).command({"CLUSTER", "MYID"}).text; }

std::size_t redis_cluster::owner_of(std::uint16_t slot) {
  for (std::size_t asked = 0; asked < nodes_.size(); ++asked) {
    if (!running(asked)) continue;
    auto slots = client(asked).command({"CLUSTER", "SLOTS"});
    for (const auto& range : slots.elements) {
      if (slot < range.elements.at(0).integer || slot > range.elements.at(1).integer) continue;
      auto port = range.elements.at(2).elements.at(1).integer;
      for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->port == port) return i;
    }
    throw std::runtime_error("no node of this cluster serves slot " + std::to_string(slot));
  }
  throw std::runtime_error("no node of the cluster is running");
}

std::vector<std::string> redis_cluster::keys_of(std::size_t node, const std::string& pattern, std::size_t limit) {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto reply = client(node).command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    cursor = reply.elements.at(0).text;
    for (const auto& key : reply.elements.at(1).elements) {
      if (keys.size() >= limit) return keys;
      keys.push_back(key.text);
    }
  } while (cursor != "0");
  return keys;
}

void redis_cluster::kill(std::size_t node) {
  auto& n = *nodes_.at(node);
  n.process->signal(SIGKILL);
  n.process->wait_exit();
}

bool redis_cluster::running(std::size_t node) { return nodes_.at(node)->process->running(); }

void redis_cluster::migrate_slot(std::uint16_t slot, std::size_t to, const std::function<void(step)>& pause,
                                 std::size_t batch) {
  auto from = owner_of(slot);
  if (from == to) throw std::runtime_error("slot " + std::to_string(slot) + " is already on node " + std::to_string(to));
  auto slot_text = std::to_string(slot);
  auto& target = client(to);
  auto& source_client = client(from);
  target.command({"CLUSTER", "SETSLOT", slot_text, "IMPORTING", node_id(from)});
  source_client.command({"CLUSTER", "SETSLOT", slot_text, "MIGRATING", node_id(to)});
  if (pause) pause(step::marked);

  for (;;) {
    auto keys = source_client.command({"CLUSTER", "GETKEYSINSLOT", slot_text, std::to_string(batch)});
    if (keys.elements.empty()) break;
    redis_command_args migrate{"MIGRATE", "127.0.0.1", std::to_string(port(to)), "", "0", "5000", "KEYS"};
    for (const auto& key : keys.elements) migrate.push_back(key.text);
    source_client.command(migrate);
    if (pause) pause(step::batch_moved);
  }
  if (pause) pause(step::keys_moved);

  // The target first (it bumps its epoch and owns the slot), then the source (it stops sending
  // ASK), then the others; as redis-cli does.
  auto target_id = node_id(to);
  target.command({"CLUSTER", "SETSLOT", slot_text, "NODE", target_id});
  source_client.command({"CLUSTER", "SETSLOT", slot_text, "NODE", target_id});
  for (std::size_t i = 0; i < nodes_.size(); ++i)
    if (i != from && i != to && running(i)) client(i).command({"CLUSTER", "SETSLOT", slot_text, "NODE", target_id});
  // Every master agrees before the test goes on.
  bool agreed = wait_until(
      [&] {
        for (std::size_t i = 0; i < nodes_.size(); ++i) {
          if (!running(i)) continue;
          auto slots = client(i).command({"CLUSTER", "SLOTS"});
          bool found = false;
          for (const auto& range : slots.elements)
            if (slot >= range.elements.at(0).integer && slot <= range.elements.at(1).integer)
              found = range.elements.at(2).elements.at(1).integer == port(to);
          if (!found) return false;
        }
        return true;
      },
      std::chrono::seconds(10));
  if (!agreed) throw std::runtime_error("the masters did not agree on the new owner of slot " + slot_text);
  if (pause) pause(step::assigned);
}

}  // namespace sg::test
