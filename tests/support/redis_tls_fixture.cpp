#include "support/redis_tls_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "support/wait.hpp"

namespace sg::test {
namespace {

// Runs a short command to its end; throws with its output when it fails.
std::string run_tool(const std::vector<std::string>& argv, const std::string& log_path) {
  child_process tool(argv, {}, log_path);
  auto status = tool.wait_exit(std::chrono::seconds(30));
  std::string output = tool.log();
  if (!status || *status != 0) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    throw std::runtime_error("failed (" + (status ? std::to_string(*status) : std::string("timeout")) + "): " +
                             line + "\n" + output);
  }
  return output;
}

const char* openssl_config = R"(
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
authorityKeyIdentifier = keyid
[elsewhere_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:elsewhere.test
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
)";

}  // namespace

test_pki make_test_pki(const std::string& dir) {
  std::filesystem::create_directories(dir);
  test_pki pki;
  pki.dir = dir;
  std::string config = dir + "/pki.cnf";
  std::ofstream(config) << openssl_config;
  const std::string openssl = "/usr/bin/openssl";
  std::string log = dir + "/openssl.log";

  auto make_ca = [&](const std::string& name, const std::string& subject) {
    run_tool({openssl, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".crt", "-days", "3", "-subj",
              "/CN=" + subject, "-config", config, "-extensions", "ca_ext"},
             log);
  };
  int serial = 1000;
  auto make_leaf = [&](const std::string& name, const std::string& subject, const std::string& extensions) {
    std::string key = dir + "/" + name + ".key", csr = dir + "/" + name + ".csr", crt = dir + "/" + name + ".crt";
    run_tool({openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-keyout", key, "-out", csr, "-subj", "/CN=" + subject, "-config", config},
             log);
    run_tool({openssl, "x509", "-req", "-in", csr, "-CA", dir + "/ca.crt", "-CAkey", dir + "/ca.key", "-set_serial",
              std::to_string(++serial), "-days", "3", "-out", crt, "-extfile", config, "-extensions", extensions},
             log);
  };

  make_ca("ca", "socialgate test CA");
  make_ca("other-ca", "an unrelated test CA");
  make_leaf("server", "localhost", "server_ext");
  make_leaf("elsewhere", "elsewhere.test", "elsewhere_ext");
  make_leaf("client", "socialgate test client", "client_ext");
  run_tool({openssl, "pkey", "-in", dir + "/client.key", "-aes256", "-passout", "pass:not the right one", "-out",
            dir + "/client-encrypted.key"},
           log);

  pki.ca_cert = dir + "/ca.crt";
  pki.ca_key = dir + "/ca.key";
  pki.server_cert = dir + "/server.crt";
  pki.server_key = dir + "/server.key";
  pki.elsewhere_cert = dir + "/elsewhere.crt";
  pki.elsewhere_key = dir + "/elsewhere.key";
  pki.client_cert = dir + "/client.crt";
  pki.client_key = dir + "/client.key";
  pki.encrypted_client_key = dir + "/client-encrypted.key";
  pki.other_ca_cert = dir + "/other-ca.crt";
  pki.not_a_certificate = dir + "/not-a-certificate.pem";
  std::ofstream(pki.not_a_certificate) << "this is not a certificate\n";
  return pki;
}

const test_pki& shared_test_pki() {
  static scratch_dir dir;
  static test_pki made = make_test_pki(dir.path() + "/pki");
  return made;
}

redis_tls_server::redis_tls_server(const std::string& scratch, const test_pki& pki, redis_tls_server_options options)
    : scratch_(scratch), pki_(pki), options_(options) {
  std::random_device seed;
  std::mt19937 random(seed());
  // Other jobs on the machine run servers too: pick random ports until one is free.
  for (int attempt = 0; attempt < 30; ++attempt) {
    port_ = std::uniform_int_distribution<int>(20000, 59999)(random);
    if (launch()) return;
  }
  throw std::runtime_error("could not start a TLS redis-server on a free port");
}

redis_tls_server::~redis_tls_server() = default;

bool redis_tls_server::launch() {
  std::vector<std::string> argv = {
      "/usr/bin/redis-server", "--port", "0", "--tls-port", std::to_string(port_), "--bind", "127.0.0.1",
      "--tls-cert-file", options_.elsewhere ? pki_.elsewhere_cert : pki_.server_cert,
      "--tls-key-file", options_.elsewhere ? pki_.elsewhere_key : pki_.server_key,
      "--tls-ca-cert-file", pki_.ca_cert, "--tls-auth-clients", options_.auth_clients ? "yes" : "no",
      "--dir", scratch_, "--save", "", "--appendonly", "no", "--dbfilename", "dump-" + std::to_string(port_) + ".rdb"};
  if (!options_.protocols.empty()) {
    argv.push_back("--tls-protocols");
    argv.push_back(options_.protocols);
  }
  process_ = std::make_unique<child_process>(argv, std::map<std::string, std::string>{},
                                             scratch_ + "/redis-tls-" + std::to_string(port_) + ".log");
  bool up = wait_until([&] { return !process_->running() || ping(); }, std::chrono::seconds(10));
  return up && process_->running();
}

std::string redis_tls_server::url(const std::string& host) const {
  return "rediss://" + host + ":" + std::to_string(port_) + "/0";
}

redis_tls_options redis_tls_server::tls_options() const {
  redis_tls_options tls;
  tls.enabled = true;
  tls.ca_file = pki_.ca_cert;
  if (options_.auth_clients) {
    tls.cert_file = pki_.client_cert;
    tls.key_file = pki_.client_key;
  }
  return tls;
}

redis_settings redis_tls_server::settings(const std::string& host) const {
  redis_settings settings;
  settings.data.host = host;
  settings.data.port = port_;
  settings.data.tls = true;
  settings.tls = tls_options();
  settings.connections = 2;
  return settings;
}

std::string redis_tls_server::cli(const std::vector<std::string>& command) const {
  static int counter = 0;
  // The server checks the client certificate only with --tls-auth-clients yes; always offered.
  std::vector<std::string> argv = {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_), "--tls",
                                   "--cacert", pki_.ca_cert, "--cert", pki_.client_cert, "--key", pki_.client_key};
  argv.insert(argv.end(), command.begin(), command.end());
  std::string out = run_tool(argv, scratch_ + "/redis-cli-" + std::to_string(++counter) + ".log");
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool redis_tls_server::ping() const {
  try {
    return cli({"PING"}) == "PONG";
  } catch (const std::exception&) {
    return false;
  }
}

void redis_tls_server::stop() {
  process_->signal(SIGKILL);
  process_->wait_exit();
}

void redis_tls_server::start() {
  if (!launch()) throw std::runtime_error("the TLS redis-server did not restart on port " + std::to_string(port_));
}

redis_tls_sentinel::redis_tls_sentinel(const std::string& scratch, const test_pki& pki, int master_port,
                                       std::string master_name)
    : scratch_(scratch), pki_(pki), master_name_(std::move(master_name)) {
  std::random_device seed;
  std::mt19937 random(seed());
  for (int attempt = 0; attempt < 30; ++attempt) {
    port_ = std::uniform_int_distribution<int>(20000, 59999)(random);
    // Sentinel rewrites its configuration file: one of its own per attempt.
    std::string config = scratch_ + "/sentinel-tls-" + std::to_string(port_) + ".conf";
    std::ofstream(config) << "port 0\n"
                          << "tls-port " << port_ << "\n"
                          << "bind 127.0.0.1\n"
                          << "dir " << scratch_ << "\n"
                          << "tls-cert-file " << pki_.server_cert << "\n"
                          << "tls-key-file " << pki_.server_key << "\n"
                          << "tls-ca-cert-file " << pki_.ca_cert << "\n"
                          << "tls-auth-clients no\n"
                          << "tls-replication yes\n"  // its links to the master are TLS too
                          << "sentinel resolve-hostnames no\n"
                          << "sentinel monitor " << master_name_ << " 127.0.0.1 " << master_port << " 1\n";
    process_ = std::make_unique<child_process>(std::vector<std::string>{"/usr/bin/redis-sentinel", config},
                                               std::map<std::string, std::string>{},
                                               scratch_ + "/sentinel-tls-" + std::to_string(port_) + ".log");
    bool up = wait_until([&] { return !process_->running() || named_master_port() == master_port; },
                         std::chrono::seconds(10));
    if (up && process_->running()) return;
  }
  throw std::runtime_error("could not start a TLS redis-sentinel on a free port");
}

redis_tls_sentinel::~redis_tls_sentinel() = default;

int redis_tls_sentinel::named_master_port() const {
  static int counter = 0;
  try {
    std::string out = run_tool({"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port_), "--tls",
                                "--cacert", pki_.ca_cert, "SENTINEL", "get-master-addr-by-name", master_name_},
                               scratch_ + "/sentinel-cli-" + std::to_string(++counter) + ".log");
    auto newline = out.find('\n');
    if (newline == std::string::npos || out.substr(0, newline) != "127.0.0.1") return 0;
    return std::stoi(out.substr(newline + 1));
  } catch (const std::exception&) {
    return 0;
  }
}

redis_tls_cluster::redis_tls_cluster(const std::string& scratch, const test_pki& pki, std::size_t masters)
    : scratch_(scratch), pki_(pki) {
  std::mt19937 random(std::random_device{}());
  // Random ports, retried until one starts: other jobs on the machine run servers too, and the
  // TLS cluster bus listens on tls-port+10000 (a server that cannot bind either exits).
  for (std::size_t i = 0; i < masters; ++i) {
    bool up = false;
    for (int attempt = 0; attempt < 30 && !up; ++attempt)
      up = launch(std::uniform_int_distribution<int>(20000, 49999)(random));
    if (!up) throw std::runtime_error("could not start a TLS cluster-mode redis-server on a free port");
  }

  std::vector<std::string> create{"/usr/bin/redis-cli", "--tls", "--cacert", pki_.ca_cert, "--cluster", "create"};
  for (int port : ports_) create.push_back("127.0.0.1:" + std::to_string(port));
  for (const char* arg : {"--cluster-replicas", "0", "--cluster-yes"}) create.emplace_back(arg);
  child_process tool(create, {}, scratch_ + "/tls-cluster-create.log");
  auto status = tool.wait_exit(std::chrono::seconds(60));
  if (status != 0) throw std::runtime_error("redis-cli --tls --cluster create failed:\n" + tool.log());

  // Ready: every node says ok (its bus links, over TLS, carried every node's slots to it).
  bool ready = wait_until(
      [&] {
        for (std::size_t node = 0; node < size(); ++node) {
          try {
            if (cli(node, {"CLUSTER", "INFO"}).find("cluster_state:ok") == std::string::npos) return false;
          } catch (const std::exception&) {
            return false;
          }
        }
        return true;
      },
      std::chrono::seconds(30));
  if (!ready) throw std::runtime_error("the TLS Redis Cluster did not reach cluster_state:ok");
}

redis_tls_cluster::~redis_tls_cluster() = default;

bool redis_tls_cluster::launch(int port) {
  auto id = std::to_string(port);
  auto process = std::make_unique<child_process>(
      std::vector<std::string>{"/usr/bin/redis-server", "--port", "0", "--tls-port", id, "--bind", "127.0.0.1",
                               "--tls-cert-file", pki_.server_cert, "--tls-key-file", pki_.server_key,
                               "--tls-ca-cert-file", pki_.ca_cert, "--tls-auth-clients", "no",
                               "--tls-cluster", "yes", "--tls-replication", "yes",
                               "--cluster-enabled", "yes", "--cluster-config-file", scratch_ + "/nodes-" + id + ".conf",
                               "--dir", scratch_, "--save", "", "--appendonly", "no", "--dbfilename", "dump-" + id + ".rdb"},
      std::map<std::string, std::string>{}, scratch_ + "/redis-tls-cluster-" + id + ".log");
  ports_.push_back(port);
  processes_.push_back(std::move(process));
  auto node = size() - 1;
  bool up = wait_until(
      [&] {
        if (!processes_[node]->running()) return true;
        try {
          return cli(node, {"PING"}) == "PONG";
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(10));
  if (up && processes_[node]->running()) return true;
  processes_.pop_back();  // killed by its destructor if it still runs
  ports_.pop_back();
  return false;
}

std::string redis_tls_cluster::addresses() const {
  std::string out;
  for (int port : ports_) out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port);
  return out;
}

std::string redis_tls_cluster::cli(std::size_t node, const std::vector<std::string>& command) const {
  static int counter = 0;
  std::vector<std::string> argv = {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port(node)), "--tls",
                                   "--cacert", pki_.ca_cert, "--cert", pki_.client_cert, "--key", pki_.client_key};
  argv.insert(argv.end(), command.begin(), command.end());
  std::string out = run_tool(argv, scratch_ + "/tls-cluster-cli-" + std::to_string(++counter) + ".log");
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::vector<std::string> redis_tls_cluster::keys_of(std::size_t node, const std::string& pattern) const {
  std::istringstream lines(cli(node, {"--scan", "--pattern", pattern}));
  std::vector<std::string> keys;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) keys.push_back(line);
  return keys;
}

std::size_t redis_tls_cluster::owner_of(const std::string& key, std::size_t asked) const {
  long slot = std::stol(cli(asked, {"CLUSTER", "KEYSLOT", key}));
  // CLUSTER NODES, one line a node: <id> <ip:port@bus-port[,hostname]> <flags> <master> <ping>
  // <pong> <epoch> <link> <slot or first-last>... ([slot->-id] entries: migrations, skipped).
  std::istringstream lines(cli(asked, {"CLUSTER", "NODES"}));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> field;
    for (std::string f; fields >> f;) field.push_back(f);
    if (field.size() < 9) continue;
    auto colon = field[1].rfind(':', field[1].find('@'));
    int node_port = std::stoi(field[1].substr(colon + 1));
    for (std::size_t i = 8; i < field.size(); ++i) {
      if (field[i].front() == '[') continue;
      auto dash = field[i].find('-');
      long first = std::stol(field[i].substr(0, dash));
      long last = dash == std::string::npos ? first : std::stol(field[i].substr(dash + 1));
      if (slot < first || slot > last) continue;
      for (std::size_t node = 0; node < size(); ++node)
        if (port(node) == node_port) return node;
      throw std::runtime_error("slot " + std::to_string(slot) + " is served by a node of another cluster");
    }
  }
  throw std::runtime_error("no node of this cluster serves slot " + std::to_string(slot));
}

}  // namespace sg::test
