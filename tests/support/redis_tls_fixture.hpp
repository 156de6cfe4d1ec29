#pragma once
// Redis over TLS for the tls-mode tests (issue 14): a test PKI made with the `openssl` command
// line in a scratch directory, and real `redis-server --tls-port` processes that use it.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "session-store/redis_settings.hpp"
#include "support/process.hpp"

namespace sg::test {

// PEM files, all under `dir`. Short-lived (a few days), EC P-256 keys: quick to make.
struct test_pki {
  std::string dir;
  std::string ca_cert, ca_key;          // the CA the servers' and clients' certificates chain to
  std::string server_cert, server_key;  // subjectAltName IP:127.0.0.1, DNS:localhost
  std::string elsewhere_cert, elsewhere_key;  // by the same CA, only for DNS:elsewhere.test
  std::string client_cert, client_key;        // clientAuth, by the same CA
  std::string encrypted_client_key;           // client_key under a passphrase
  std::string other_ca_cert;                  // an unrelated CA: verifies none of the above
  std::string not_a_certificate;              // a readable file holding no PEM at all
};

// Makes every file above in `dir` (created if missing). Throws with openssl's output on failure.
test_pki make_test_pki(const std::string& dir);
// One PKI for the whole test executable (made on first use, removed at exit): a dozen openssl
// runs are not worth repeating per test.
const test_pki& shared_test_pki();

struct redis_tls_server_options {
  bool auth_clients = false;  // --tls-auth-clients yes: a client certificate from the CA is required
  bool elsewhere = false;     // serve the certificate for elsewhere.test instead of 127.0.0.1/localhost
  std::string protocols;      // --tls-protocols ("TLSv1.2"); empty: Redis's default (1.2 and 1.3)
};

// A real redis-server with TCP off (--port 0) and TLS on a random free loopback port.
class redis_tls_server {
 public:
  redis_tls_server(const std::string& scratch, const test_pki& pki, redis_tls_server_options options = {});
  ~redis_tls_server();
  int port() const { return port_; }
  // rediss://host:port/0
  std::string url(const std::string& host = "127.0.0.1") const;
  // TLS options that work against this server: the right CA and, when wanted, the client pair.
  redis_tls_options tls_options() const;
  // The settings of a standalone rediss:// client of this server.
  redis_settings settings(const std::string& host = "127.0.0.1") const;

  // One command through redis-cli --tls (the tests' own client, independent of socialgate's
  // TLS layer): its raw output (one line per element), the trailing newline removed. Throws
  // when redis-cli fails.
  std::string cli(const std::vector<std::string>& command) const;
  bool ping() const;

  void stop();   // SIGKILL
  void start();  // again on the same port

 private:
  bool launch();
  std::string scratch_;
  test_pki pki_;
  redis_tls_server_options options_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
};

// One redis-sentinel with TCP off and TLS on, monitoring a TLS master (quorum 1: enough to name
// the master; failover is the Sentinel tests' business). It talks TLS to the master too.
class redis_tls_sentinel {
 public:
  redis_tls_sentinel(const std::string& scratch, const test_pki& pki, int master_port,
                     std::string master_name = "mymaster");
  ~redis_tls_sentinel();
  int port() const { return port_; }
  const std::string& master_name() const { return master_name_; }
  // The master's port as this sentinel names it (redis-cli over TLS), or 0.
  int named_master_port() const;

 private:
  std::string scratch_;
  test_pki pki_;
  std::string master_name_;
  int port_ = 0;
  std::unique_ptr<child_process> process_;
};

// A Redis Cluster on TLS only (issue 14: TLS covers cluster nodes too): `masters` redis-server
// processes in cluster mode with TCP off, TLS for clients, for the cluster bus (--tls-cluster: its
// port is tls-port+10000, TLS too) and for replication, joined by `redis-cli --tls --cluster create`
// (no replicas), ready when every node says cluster_state:ok. Every look at it goes through
// redis-cli --tls (the tests' own client, independent of socialgate's TLS layer).
class redis_tls_cluster {
 public:
  redis_tls_cluster(const std::string& scratch, const test_pki& pki, std::size_t masters = 3);
  ~redis_tls_cluster();
  redis_tls_cluster(const redis_tls_cluster&) = delete;
  redis_tls_cluster& operator=(const redis_tls_cluster&) = delete;

  std::size_t size() const { return ports_.size(); }
  int port(std::size_t node) const { return ports_.at(node); }
  // "127.0.0.1:a,127.0.0.1:b,127.0.0.1:c": REDIS_CLUSTER_NODES.
  std::string addresses() const;
  // One command to one node (no redirection followed), as redis_tls_server::cli.
  std::string cli(std::size_t node, const std::vector<std::string>& command) const;
  // The keys stored on one node (redis-cli --scan --pattern).
  std::vector<std::string> keys_of(std::size_t node, const std::string& pattern) const;
  // The node that serves `key`'s slot (CLUSTER KEYSLOT, then the owner in CLUSTER NODES), as
  // node `asked` sees the cluster.
  std::size_t owner_of(const std::string& key, std::size_t asked = 0) const;

 private:
  bool launch(int port);
  std::string scratch_;
  test_pki pki_;
  std::vector<int> ports_;
  std::vector<std::unique_ptr<child_process>> processes_;
};

}  // namespace sg::test
