#include "support/redis_sentinel_fixture.hpp"

#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "support/wait.hpp"

namespace sg::test {
namespace {

int random_port() {
  static std::mt19937 random{std::random_device{}()};
  return std::uniform_int_distribution<int>(20000, 59999)(random);
}

// "field:value" from INFO's text; nullopt when absent.
std::optional<std::string> info_field(const std::string& info, const std::string& field) {
  std::istringstream lines(info);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(field + ":", 0) == 0) return line.substr(field.size() + 1);
  }
  return std::nullopt;
}

// SENTINEL MASTER / REPLICAS answer flat arrays of name, value, name, value...
std::optional<std::string> pair_field(const redis_value& flat, const std::string& field) {
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2)
    if (flat.elements[i].text == field) return flat.elements[i + 1].text;
  return std::nullopt;
}

}  // namespace

redis_sentinel_fixture::redis_sentinel_fixture(sentinel_options options) : options_(std::move(options)) {
  int master = start_data_node(std::nullopt);
  data_ports_.push_back(master);
  data_ports_.push_back(start_data_node(master));
  // The replica's link is up before the sentinels start: their first INFO of the master lists it.
  if (!wait_until([&] {
        try {
          auto info = data_node(replica_port()).command({"INFO", "replication"}).text;
          return info_field(info, "master_link_status") == std::optional<std::string>("up");
        } catch (const std::exception&) {
          return false;
        }
      }, std::chrono::seconds(15)))
    throw std::runtime_error("the replica did not connect to its master");
  for (std::size_t i = 0; i < 3; ++i) sentinel_ports_.push_back(start_sentinel(i));
}

redis_sentinel_fixture::~redis_sentinel_fixture() = default;

int redis_sentinel_fixture::start_data_node(std::optional<int> master_of) {
  // Other jobs on the machine run servers too: random ports until one is free.
  for (int attempt = 0; attempt < 30; ++attempt) {
    int port = random_port();
    std::vector<std::string> argv = {"/usr/bin/redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1",
                                     "--dir", scratch_.path(), "--save", "", "--appendonly", "no",
                                     "--dbfilename", "dump-" + std::to_string(port) + ".rdb",
                                     "--repl-diskless-sync-delay", "0"};
    if (!options_.data_password.empty()) {
      // Both: a master becomes a replica (and authenticates to the new master) after a failover.
      for (const char* option : {"--requirepass", "--masterauth"}) {
        argv.push_back(option);
        argv.push_back(options_.data_password);
      }
    }
    if (master_of) {
      argv.push_back("--replicaof");
      argv.push_back("127.0.0.1 " + std::to_string(*master_of));
    }
    auto process = std::make_unique<child_process>(argv, std::map<std::string, std::string>{},
                                                   scratch_.path() + "/redis-" + std::to_string(port) + ".log");
    auto client = std::make_unique<redis_pool>(redis_endpoint{"127.0.0.1", port, "", options_.data_password, 0}, 2,
                                               std::chrono::milliseconds(1000));
    bool up = wait_until([&] { return !process->running() || client->ping(); }, std::chrono::seconds(10));
    if (up && process->running()) {
      data_nodes_[port] = std::move(process);
      data_clients_[port] = std::move(client);
      return port;
    }
  }
  throw std::runtime_error("could not start redis-server on a free port");
}

std::string redis_sentinel_fixture::sentinel_monitor_lines(int master) const {
  const std::string& name = options_.master_name;
  std::string lines = "sentinel monitor " + name + " 127.0.0.1 " + std::to_string(master) + " 2\n" +
                      "sentinel down-after-milliseconds " + name + " 1000\n" +
                      "sentinel failover-timeout " + name + " 2000\n" + "sentinel parallel-syncs " + name + " 1\n";
  if (!options_.data_password.empty()) lines += "sentinel auth-pass " + name + " " + options_.data_password + "\n";
  return lines;
}

int redis_sentinel_fixture::start_sentinel(std::size_t index) {
  for (int attempt = 0; attempt < 30; ++attempt) {
    int port = random_port();
    // Sentinel rewrites its configuration file: one writable file each.
    std::string config = scratch_.path() + "/sentinel-" + std::to_string(index) + ".conf";
    {
      std::ofstream out(config, std::ios::trunc);
      out << "port " << port << "\nbind 127.0.0.1\ndaemonize no\nlogfile \"\"\ndir " << scratch_.path() << "\n"
          << "sentinel resolve-hostnames no\n" << sentinel_monitor_lines(master_port());
      if (!options_.sentinel_password.empty())
        out << "requirepass " << options_.sentinel_password << "\n"
            << "sentinel sentinel-pass " << options_.sentinel_password << "\n";
    }
    auto process = std::make_unique<child_process>(std::vector<std::string>{"/usr/bin/redis-sentinel", config},
                                                   std::map<std::string, std::string>{},
                                                   scratch_.path() + "/sentinel-" + std::to_string(port) + ".log");
    auto client = std::make_unique<redis_pool>(redis_endpoint{"127.0.0.1", port, "", options_.sentinel_password, 0},
                                               1, std::chrono::milliseconds(1000));
    bool up = wait_until([&] { return !process->running() || client->ping(); }, std::chrono::seconds(10));
    if (up && process->running()) {
      sentinels_.push_back(std::move(process));
      sentinel_clients_.push_back(std::move(client));
      return port;
    }
  }
  throw std::runtime_error("could not start redis-sentinel on a free port");
}

std::string redis_sentinel_fixture::sentinels_text() const {
  std::string text;
  for (int port : sentinel_ports_) text += (text.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
  return text;
}

std::string redis_sentinel_fixture::data_url(int database) const {
  std::string credentials = options_.data_password.empty() ? "" : ":" + options_.data_password + "@";
  return "redis://" + credentials + "127.0.0.1:" + std::to_string(master_port()) + "/" + std::to_string(database);
}

redis_pool& redis_sentinel_fixture::data_node(int port) { return *data_clients_.at(port); }

redis_value redis_sentinel_fixture::sentinel_command(std::size_t sentinel, const redis_command_args& args) {
  return sentinel_clients_.at(sentinel)->command(args);
}

bool redis_sentinel_fixture::wait_ready(std::chrono::milliseconds deadline) {
  return wait_until([&] {
    for (std::size_t i = 0; i < sentinels_.size(); ++i) {
      try {
        sentinel_command(i, {"SENTINEL", "ckquorum", options_.master_name});  // an error reply throws
        auto replicas = sentinel_command(i, {"SENTINEL", "replicas", options_.master_name});
        bool healthy = false;
        for (const auto& r : replicas.elements)
          healthy = healthy || (pair_field(r, "flags") == std::optional<std::string>("slave") &&
                                pair_field(r, "master-link-status") == std::optional<std::string>("ok"));
        if (!healthy) return false;
      } catch (const std::exception&) {
        return false;
      }
    }
    return true;
  }, deadline);
}

bool redis_sentinel_fixture::wait_replica_caught_up(int master, int replica, std::chrono::milliseconds deadline) {
  return wait_until([&] {
    try {
      auto master_info = data_node(master).command({"INFO", "replication"}).text;
      auto replica_info = data_node(replica).command({"INFO", "replication"}).text;
      auto wanted = info_field(master_info, "master_repl_offset");
      auto reached = info_field(replica_info, "slave_repl_offset");
      return wanted && reached && info_field(replica_info, "master_link_status") == std::optional<std::string>("up") &&
             std::stoll(*reached) >= std::stoll(*wanted);
    } catch (const std::exception&) {
      return false;
    }
  }, deadline);
}

std::optional<int> redis_sentinel_fixture::named_master(std::size_t sentinel) {
  try {
    auto reply = sentinel_command(sentinel, {"SENTINEL", "get-master-addr-by-name", options_.master_name});
    if (reply.elements.size() != 2) return std::nullopt;
    return std::stoi(reply.elements[1].text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool redis_sentinel_fixture::wait_sentinels_name(int port, std::chrono::milliseconds deadline) {
  return wait_until([&] {
    for (std::size_t i = 0; i < sentinels_.size(); ++i)
      if (sentinels_[i]->running() && named_master(i) != std::optional<int>(port)) return false;
    return true;
  }, deadline);
}

std::string redis_sentinel_fixture::role(int port) {
  try {
    auto reply = data_node(port).command({"ROLE"});
    return reply.elements.empty() ? "" : reply.elements[0].text;
  } catch (const std::exception&) {
    return "";
  }
}

void redis_sentinel_fixture::kill_data_node(int port) {
  auto& process = data_nodes_.at(port);
  process->signal(SIGKILL);
  process->wait_exit();
}

void redis_sentinel_fixture::kill_sentinel(std::size_t sentinel) {
  sentinels_.at(sentinel)->signal(SIGKILL);
  sentinels_.at(sentinel)->wait_exit();
}

void redis_sentinel_fixture::stop_sentinel(std::size_t sentinel) { sentinels_.at(sentinel)->signal(SIGSTOP); }
void redis_sentinel_fixture::resume_sentinel(std::size_t sentinel) { sentinels_.at(sentinel)->signal(SIGCONT); }

void redis_sentinel_fixture::remonitor(int port, const std::function<void()>& meanwhile) {
  const std::string& name = options_.master_name;
  for (std::size_t i = 0; i < sentinels_.size(); ++i) {
    if (!sentinels_[i]->running()) continue;
    try {
      sentinel_command(i, {"SENTINEL", "REMOVE", name});
    } catch (const std::exception&) {
    }
  }
  if (meanwhile) meanwhile();
  for (std::size_t i = 0; i < sentinels_.size(); ++i) {
    if (!sentinels_[i]->running()) continue;
    sentinel_command(i, {"SENTINEL", "MONITOR", name, "127.0.0.1", std::to_string(port), "2"});
    redis_command_args set = {"SENTINEL", "SET", name, "down-after-milliseconds", "1000", "failover-timeout", "2000"};
    if (!options_.data_password.empty()) {
      set.push_back("auth-pass");
      set.push_back(options_.data_password);
    }
    sentinel_command(i, set);
  }
}

}  // namespace sg::test
