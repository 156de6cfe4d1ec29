// Issue 14, tls mode: whole logins through socialgate replicas whose Redis is rediss:// (a real
// redis-server with TCP off and TLS on, certificates from a test CA made by openssl).
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "loadtest/report.hpp"
#include "support/background_load.hpp"
#include "support/deployment.hpp"
#include "support/redis_tls_fixture.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {

std::map<std::string, std::string> tls_env(const redis_tls_server& server, const std::string& ca_file,
                                           bool client_certificate) {
  std::map<std::string, std::string> env = {{"REDIS_URL", server.url()}, {"SOCIAL_AUTH_REDIS_CA_FILE", ca_file}};
  if (client_certificate) {
    env["SOCIAL_AUTH_REDIS_CERT_FILE"] = shared_test_pki().client_cert;
    env["SOCIAL_AUTH_REDIS_KEY_FILE"] = shared_test_pki().client_key;
  }
  return env;
}

}  // namespace

TEST_CASE("a whole GitHub login over rediss:// keeps its session in the TLS Redis", "[e2e][redis_tls]") {
  scratch_dir scratch;
  bool client_certificate = GENERATE(false, true);
  INFO("the server requires a client certificate: " << client_certificate);
  redis_tls_server server(scratch.path(), shared_test_pki(), {.auth_clients = client_certificate, .elsewhere = false, .protocols = ""});
  deployment_options options;
  options.env = tls_env(server, shared_test_pki().ca_cert, client_certificate);
  deployment env(options);

  auto b = env.new_browser();
  REQUIRE(b.get(env.replica(0) + "/readyz").status == 200);
  auto out = env.login(b, "octocat");
  REQUIRE(out.callback.status == 302);
  auto cookie = b.cookies["sg_sessionid"];
  REQUIRE_FALSE(cookie.empty());
  auto verify = b.get(env.replica(0) + "/api/auth/verify");
  CHECK(verify.status == 200);
  CHECK(verify.header("X-Auth-Username") == "octocat");
  CHECK(b.get(env.replica(0) + "/api/users/self").status == 200);

  // The session is in the TLS Redis (read by redis-cli over its own TLS connection), and the
  // deployment's plaintext Redis saw nothing.
  CHECK(server.cli({"EXISTS", "sg:session:" + sha256_hex(cookie)}) == "1");
  CHECK(env.redis().client().command({"KEYS", "sg:*"}).elements.empty());

  // Logout goes over the same connections: the session key is gone from the TLS Redis.
  auto logout = b.post(env.replica(0) + "/api/auth/logout", "", "application/json", "",
                       {{"X-CSRFTOKEN", b.cookies["sg_csrftoken"]}});
  CHECK(logout.status / 100 == 2);
  CHECK(server.cli({"EXISTS", "sg:session:" + sha256_hex(cookie)}) == "0");
  auto replica_log = env.replica_process(0).log();
  CHECK(replica_log.find("redis_tls_refused") == std::string::npos);
  CHECK(env.replica_process(0).running());
}

TEST_CASE("logins under load on two replicas over rediss:// all succeed", "[e2e][redis_tls][load]") {
  scratch_dir scratch;
  redis_tls_server server(scratch.path(), shared_test_pki());
  deployment_options options;
  options.replicas = 2;
  options.env = tls_env(server, shared_test_pki().ca_cert, false);
  options.env["SOCIAL_AUTH_RATE_LIMITS"] = "off";
  options.env["SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS"] = "1000000";
  deployment env(options);

  sg::load::load_options load_options;
  load_options.targets = {env.replica(0), env.replica(1)};
  load_options.site = env.site();
  load_options.provider = "github";
  load_options.user_prefix = "tls";
  load_options.checks_per_login = 2;
  auto started = std::chrono::steady_clock::now();
  {
    background_load load(load_options, 8, 30);
    REQUIRE(wait_until([&] { return load.results().logins() >= 60; }, std::chrono::seconds(30)));
    load.stop();
    std::string kinds;
    for (const auto& [kind, count] : load.results().failure_kinds()) kinds += kind + " x" + std::to_string(count) + " ";
    INFO("failures: " << kinds);
    CHECK(load.results().failures() == 0);
    // A figure, not an assertion: how fast logins went over TLS on this machine.
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    WARN(load.results().report(seconds));
  }
  CHECK(std::stol(server.cli({"DBSIZE"})) > 60);  // every login's keys are in the TLS Redis
  CHECK(env.redis().client().command({"KEYS", "sg:*"}).elements.empty());
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(env.replica_process(i).running());
    CHECK(env.replica_process(i).log().find("redis_tls_") == std::string::npos);
  }
}

TEST_CASE("a whole login through a sentinel over TLS: the sentinel and the master both verified", "[e2e][redis_tls][sentinel]") {
  scratch_dir scratch;
  redis_tls_server master(scratch.path(), shared_test_pki());
  redis_tls_sentinel sentinel(scratch.path(), shared_test_pki(), master.port());
  deployment_options options;
  options.env = {{"REDIS_URL", "rediss://unused/0"},
                 {"REDIS_SENTINELS", "127.0.0.1:" + std::to_string(sentinel.port())},
                 {"REDIS_SENTINEL_MASTER", sentinel.master_name()},
                 {"SOCIAL_AUTH_REDIS_CA_FILE", shared_test_pki().ca_cert}};
  deployment env(options);

  auto b = env.new_browser();
  REQUIRE(b.get(env.replica(0) + "/readyz").status == 200);
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  CHECK(b.get(env.replica(0) + "/api/auth/verify").status == 200);
  CHECK(master.cli({"EXISTS", "sg:session:" + sha256_hex(b.cookies["sg_sessionid"])}) == "1");
  CHECK(env.redis().client().command({"KEYS", "sg:*"}).elements.empty());
  CHECK(env.replica_process(0).log().find("redis_tls_") == std::string::npos);
}

TEST_CASE("the TLS Redis killed under a replica gives 503s and a restarted one is used again", "[e2e][redis_tls][faults]") {
  scratch_dir scratch;
  redis_tls_server server(scratch.path(), shared_test_pki());
  deployment_options options;
  options.env = tls_env(server, shared_test_pki().ca_cert, false);
  deployment env(options);
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  REQUIRE(b.get(env.replica(0) + "/api/auth/verify").status == 200);

  server.stop();
  CHECK(b.get(env.replica(0) + "/api/auth/verify").status == 503);
  CHECK(b.get(env.replica(0) + "/readyz").status == 503);
  CHECK(env.replica_process(0).running());

  // Same port, empty data (no persistence): new connections, new handshakes, a new login.
  server.start();
  REQUIRE(wait_until([&] { return b.get(env.replica(0) + "/readyz").status == 200; }));
  auto fresh = env.new_browser();
  REQUIRE(env.login(fresh, "octocat").callback.status == 302);
  CHECK(fresh.get(env.replica(0) + "/api/auth/verify").status == 200);
  CHECK(server.cli({"EXISTS", "sg:session:" + sha256_hex(fresh.cookies["sg_sessionid"])}) == "1");
  CHECK(env.replica_process(0).log().find("redis_tls_refused") == std::string::npos);
}

TEST_CASE("a replica whose CA does not verify the TLS Redis answers 503 and says why", "[e2e][redis_tls]") {
  scratch_dir scratch;
  redis_tls_server server(scratch.path(), shared_test_pki());
  deployment_options options;
  options.replicas = 0;  // the replica below is started by hand: it is never ready
  deployment env(options);

  auto vars = env.socialgate_env();
  for (const auto& [k, v] : tls_env(server, shared_test_pki().other_ca_cert, false)) vars[k] = v;
  child_process replica({SG_SOCIALGATE_BIN}, vars, scratch.path() + "/wrong-ca.log");
  auto port = replica.wait_for_listening_port();
  INFO(replica.log());
  REQUIRE(port);
  std::string url = "http://127.0.0.1:" + std::to_string(*port);

  auto b = env.new_browser();
  auto start = b.get(url + "/api/auth/github/login/");
  CHECK(start.status == 503);
  CHECK(start.header("Location").empty());
  CHECK(nlohmann::json::parse(start.body)["detail"].get<std::string>().find("Redis") != std::string::npos);
  auto ready = b.get(url + "/readyz");
  CHECK(ready.status == 503);
  CHECK(nlohmann::json::parse(ready.body)["components"]["redis"]["ready"] == false);
  CHECK(b.get(url + "/healthz").status == 200);

  // The replica's log says the certificate did not verify, and why.
  REQUIRE(wait_until([&] { return replica.log().find("redis_tls_refused") != std::string::npos; }));
  auto log = replica.log();
  CHECK(log.find("certificate verify failed") != std::string::npos);
  CHECK(replica.running());  // no crash
  CHECK(server.cli({"DBSIZE"}) == "0");  // and nothing was written
}

TEST_CASE("check-config with rediss:// names the TLS mode and what it found", "[e2e][redis_tls][config]") {
  scratch_dir scratch;
  redis_tls_server server(scratch.path(), shared_test_pki());
  std::map<std::string, std::string> base = {{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"},
                                             {"CVAT_BASE_URL", "https://cvat.example.com"},
                                             {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "the-client-id"},
                                             {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "the-very-secret-value"}};
  auto run = [&](const std::map<std::string, std::string>& extra, const std::string& name, int& status) {
    auto vars = base;
    for (const auto& [k, v] : extra) vars[k] = v;
    child_process check({SG_SOCIALGATE_BIN, "check-config"}, vars, scratch.path() + "/" + name + ".log");
    auto code = check.wait_exit(std::chrono::seconds(30));
    REQUIRE(code);
    status = *code;
    return check.log();
  };

  SECTION("the right CA: TLS mode, the server found and answering") {
    int status = -1;
    auto out = run(tls_env(server, shared_test_pki().ca_cert, false), "good", status);
    INFO(out);
    CHECK(status == 0);
    CHECK(out.find("redis mode: standalone over TLS (rediss://, CA " + shared_test_pki().ca_cert + ")") !=
          std::string::npos);
    CHECK(out.find("redis found: server 127.0.0.1:" + std::to_string(server.port()) + ", over TLS (answers)") !=
          std::string::npos);
  }
  SECTION("a wrong CA: found but refused, and the reason is logged") {
    int status = -1;
    auto out = run(tls_env(server, shared_test_pki().other_ca_cert, false), "wrong-ca", status);
    INFO(out);
    CHECK(status == 0);
    CHECK(out.find("over TLS (does not answer") != std::string::npos);
    CHECK(out.find("certificate verify failed") != std::string::npos);
  }
  SECTION("an unreadable CA file: a configuration error naming the variable") {
    int status = -1;
    auto out = run(tls_env(server, scratch.path() + "/missing-ca.pem", false), "missing-ca", status);
    INFO(out);
    CHECK(status == 2);
    CHECK(out.find("configuration error: SOCIAL_AUTH_REDIS_CA_FILE") != std::string::npos);
  }
}

// TLS covers the Cluster's nodes too (issue 14): the seed nodes and the masters the slot map
// names are reached over TLS, verified by the CA; the nodes have no plaintext client port.
TEST_CASE("a whole login on a Redis Cluster over TLS: the keys on their slots' masters, and check-config says so",
          "[e2e][redis_tls][tls][cluster]") {
  scratch_dir scratch;
  redis_tls_cluster cluster(scratch.path(), shared_test_pki());
  std::map<std::string, std::string> vars = {
      {"REDIS_CLUSTER_NODES", cluster.addresses()},
      {"REDIS_URL", "rediss://127.0.0.1:" + std::to_string(cluster.port(1)) + "/0"},  // the TLS flag and database 0
      {"SOCIAL_AUTH_REDIS_CA_FILE", shared_test_pki().ca_cert}};

  {
    deployment_options options;
    options.env = vars;
    options.env["SOCIAL_AUTH_RATE_LIMITS"] = "off";
    deployment env(options);

    auto b = env.new_browser();
    REQUIRE(b.get(env.replica(0) + "/readyz").status == 200);
    REQUIRE(env.login(b, "octocat").callback.status == 302);
    auto verify = b.get(env.replica(0) + "/api/auth/verify");
    CHECK(verify.status == 200);
    CHECK(verify.header("X-Auth-Username") == "octocat");
    CHECK(b.get(env.replica(0) + "/api/users/self").status == 200);

    // The keys of one sign-in already sit on several slots (the account keys share the {sg:acct}
    // hash tag; the session, the flow indexes and the counters have slots of their own), so today
    // one sign-in spreads them. Not to depend on today's key names: more sign-ins of the same
    // person on more browsers until the keys are on two masters (each new session misses a given
    // master with probability 2/3: 16 sign-ins all on one, (1/3)^16).
    std::vector<browser> devices;
    devices.push_back(std::move(b));
    auto keys_by_node = [&] {
      std::vector<std::vector<std::string>> keys;
      for (std::size_t node = 0; node < cluster.size(); ++node) keys.push_back(cluster.keys_of(node, "*"));
      return keys;
    };
    auto nodes_with_keys = [](const std::vector<std::vector<std::string>>& keys) {
      std::size_t count = 0;
      for (const auto& k : keys) count += k.empty() ? 0 : 1;
      return count;
    };
    auto keys = keys_by_node();
    while (nodes_with_keys(keys) < 2 && devices.size() < 16) {
      devices.push_back(env.new_browser());
      REQUIRE(env.login(devices.back(), "octocat").callback.status == 302);
      keys = keys_by_node();
    }
    std::printf("tls cluster: %zu sign-ins, keys per master:", devices.size());
    for (const auto& k : keys) std::printf(" %zu", k.size());
    std::printf("\n");
    CHECK(nodes_with_keys(keys) >= 2);

    // Every key is on the master that serves its slot, as the cluster itself says (CLUSTER
    // KEYSLOT and CLUSTER NODES, through redis-cli over TLS). Key names are not printed: the
    // account keys hold email addresses.
    std::size_t account_keys = 0, misplaced = 0;
    for (std::size_t node = 0; node < cluster.size(); ++node)
      for (const auto& key : keys[node]) {
        account_keys += key.rfind("{sg:acct}:", 0) == 0 ? 1 : 0;
        misplaced += cluster.owner_of(key) == node ? 0 : 1;
      }
    CHECK(account_keys > 0);
    CHECK(misplaced == 0);
    // Every browser's session is there, on its slot's master, and works.
    for (auto& d : devices) {
      auto session = "sg:session:" + sha256_hex(d.cookies["sg_sessionid"]);
      auto owner = cluster.owner_of(session);
      CHECK(cluster.cli(owner, {"EXISTS", session}) == "1");
      CHECK(d.get(env.replica(0) + "/api/auth/verify").status == 200);
    }

    // Nothing went to the deployment's plaintext Redis, and no TLS trouble was logged.
    CHECK(env.redis().client().command({"DBSIZE"}).integer == 0);
    CHECK(env.replica_process(0).running());
    CHECK(env.replica_process(0).log().find("redis_tls_") == std::string::npos);
  }

  // check-config names the mode and finds the masters over TLS.
  {
    vars["USE_ALLAUTH_SOCIAL_ACCOUNTS"] = "True";
    vars["CVAT_BASE_URL"] = "https://cvat.example.com";
    vars["SOCIAL_AUTH_GITHUB_CLIENT_ID"] = "the-client-id";
    vars["SOCIAL_AUTH_GITHUB_CLIENT_SECRET"] = "the-very-secret-value";
    child_process check({SG_SOCIALGATE_BIN, "check-config"}, vars, scratch.path() + "/check-config.log");
    auto status = check.wait_exit(std::chrono::seconds(30));
    auto out = check.log();
    INFO(out);
    REQUIRE(status);
    CHECK(*status == 0);
    CHECK(out.find("redis mode: cluster over TLS (rediss://, CA " + shared_test_pki().ca_cert + ")") !=
          std::string::npos);
    CHECK(out.find("redis found: 3 masters, 16384 of 16384 slots, over TLS (answers)") != std::string::npos);
  }
}
