// Issue 14, cluster mode: whole logins through socialgate replicas on a real three-master Redis
// Cluster (REDIS_CLUSTER_NODES; REDIS_URL still names the deployment's credentials and database
// 0): sessions, logout everywhere and rate limits whose keys spread over every master, and a slot
// holding a live session migrated to another master under load.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "loadtest/report.hpp"
#include "session-store/redis_cluster_slots.hpp"
#include "support/background_load.hpp"
#include "support/deployment.hpp"
#include "support/redis_cluster_fixture.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {

deployment_options on_cluster(const redis_cluster& cluster, int replicas, const std::string& rate_limits = "off") {
  deployment_options options;
  options.replicas = replicas;
  options.env["REDIS_CLUSTER_NODES"] = cluster.addresses();
  options.env["SOCIAL_AUTH_RATE_LIMITS"] = rate_limits;
  return options;
}

// The session keys on each master, by SCAN.
std::vector<std::set<std::string>> session_keys(redis_cluster& cluster) {
  std::vector<std::set<std::string>> out;
  for (std::size_t node = 0; node < cluster.size(); ++node) {
    auto keys = cluster.keys_of(node, "sg:session:*");
    out.emplace_back(keys.begin(), keys.end());
  }
  return out;
}

std::string session_key_of(browser& b) { return "sg:session:" + sha256_hex(b.cookies["sg_sessionid"]); }

int verify(browser& b, const std::string& replica) { return b.get(replica + "/api/auth/verify").status; }

}  // namespace

TEST_CASE("cluster: logins and checks on two replicas, logout everywhere across slots, rate limits across slots",
          "[e2e][redis_cluster]") {
  scratch_dir scratch;
  redis_cluster cluster(scratch.path());
  deployment env(on_cluster(cluster, 2));
  CHECK(browser(env.site()).get(env.replica(0) + "/readyz").status == 200);

  // One person signed in on many browsers: the sessions' keys hash all over the cluster.
  std::vector<browser> devices;
  for (int i = 0; i < 24; ++i) {
    devices.push_back(env.new_browser());
    REQUIRE(env.login(devices.back(), "octocat", i % 2, (i + 1) % 2).callback.status == 302);
  }
  auto other = env.new_browser();
  REQUIRE(env.login(other, "someone-else").callback.status == 302);
  for (auto& d : devices) {
    CHECK(verify(d, env.replica(0)) == 200);
    CHECK(verify(d, env.replica(1)) == 200);
  }
  auto keys = session_keys(cluster);
  std::size_t masters_with_sessions = 0;
  for (auto& d : devices) REQUIRE(std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.count(session_key_of(d)) == 1; }));
  for (const auto& k : keys) masters_with_sessions += k.empty() ? 0 : 1;
  CHECK(masters_with_sessions == cluster.size());

  // Log out everywhere, from one replica: every session of that person is gone on every master.
  auto& first = devices.front();
  auto all = first.post(env.replica(0) + "/api/auth/logout", R"({"all": true})", "application/json", "",
                        {{"X-CSRFTOKEN", first.cookies["sg_csrftoken"]}});
  CHECK(all.status == 200);
  for (auto& d : devices) CHECK(verify(d, env.replica(1)) == 401);
  keys = session_keys(cluster);
  for (auto& d : devices)
    for (const auto& k : keys) CHECK(k.count(session_key_of(d)) == 0);
  CHECK(verify(other, env.replica(0)) == 200);
  CHECK(keys[0].size() + keys[1].size() + keys[2].size() == 1);  // the other person's

  // Rate limits, shared by two more replicas (behind a trusted proxy, so each client address has
  // its own bucket, a key of its own slot): the fourth login start of an address is refused on
  // either replica.
  std::map<std::string, std::string> limited{{"SOCIAL_AUTH_RATE_LIMITS", "login=3/m"},
                                             {"SOCIAL_AUTH_TRUSTED_PROXIES", "127.0.0.0/8"}};
  auto r2 = env.start_replica(limited), r3 = env.start_replica(limited);
  for (int client = 0; client < 24; ++client) {
    std::map<std::string, std::string> from{{"X-Forwarded-For", "198.51.100." + std::to_string(client + 1)}};
    std::vector<int> statuses;
    for (int attempt = 0; attempt < 4; ++attempt) {
      browser b(env.site(), env.idp_url());
      statuses.push_back(b.get(env.replica(attempt % 2 ? r3 : r2) + "/api/auth/github/login/", "", from).status);
    }
    INFO("client " << client);
    CHECK(statuses == std::vector<int>{302, 302, 302, 429});
  }
  std::size_t masters_with_buckets = 0;
  for (std::size_t node = 0; node < cluster.size(); ++node)
    masters_with_buckets += cluster.keys_of(node, "sg:rate:*").empty() ? 0 : 1;
  CHECK(masters_with_buckets == cluster.size());

  // Nothing went to the standalone server REDIS_URL names: it only lent its credentials.
  CHECK(env.redis().client().command({"DBSIZE"}).integer == 0);
}

TEST_CASE("cluster: a slot holding a live session migrates to another master under load, no session is lost",
          "[e2e][redis_cluster]") {
  scratch_dir scratch;
  redis_cluster cluster(scratch.path());
  deployment env(on_cluster(cluster, 2));

  std::vector<browser> signed_in;
  for (int i = 0; i < 20; ++i) {
    signed_in.push_back(env.new_browser());
    REQUIRE(env.login(signed_in.back(), "before-" + std::to_string(i), i % 2, (i + 1) % 2).callback.status == 302);
  }

  sg::load::load_options load_options;
  load_options.targets = {env.replica(0), env.replica(1)};
  load_options.site = env.site();
  load_options.user_prefix = "cluster-load";
  load_options.checks_per_login = 2;
  background_load load(load_options, 8, 50);
  REQUIRE(wait_until([&] { return load.results().logins() >= 20; }, std::chrono::seconds(20)));

  // A session key that exists (read back from the masters by SCAN): its slot moves.
  auto keys = session_keys(cluster);
  auto& moving = signed_in[7];
  std::size_t from = cluster.size();
  for (std::size_t node = 0; node < cluster.size(); ++node)
    if (keys[node].count(session_key_of(moving))) from = node;
  REQUIRE(from < cluster.size());
  auto slot = redis_key_slot(session_key_of(moving));
  auto to = (from + 1) % cluster.size();
  std::printf("cluster: moving slot %u (holding a session) from master %zu to master %zu under load\n",
              static_cast<unsigned>(slot), from, to);

  // At every step the moving session is checked on both replicas: on the source (no redirection),
  // on the target while the slot is still migrating (ASK), on the target as its owner (MOVED).
  std::vector<std::pair<int, int>> during;
  cluster.migrate_slot(slot, to, [&](redis_cluster::step) {
    during.emplace_back(verify(moving, env.replica(0)), verify(moving, env.replica(1)));
  });
  for (std::size_t i = 0; i < during.size(); ++i) {
    INFO("step " << i);
    CHECK(during[i] == std::pair<int, int>{200, 200});
  }
  CHECK(during.size() >= 4);  // marked, a batch, all keys moved, assigned
  CHECK(cluster.keys_of(to, session_key_of(moving)).size() == 1);
  CHECK(cluster.keys_of(from, session_key_of(moving)).empty());

  auto logins_then = load.results().logins();
  REQUIRE(wait_until([&] { return load.results().logins() >= logins_then + 20; }, std::chrono::seconds(20)));
  load.stop();

  // No lost session: every one made before the move still verifies, on both replicas.
  for (std::size_t i = 0; i < signed_in.size(); ++i) {
    INFO("browser " << i);
    CHECK(verify(signed_in[i], env.replica(0)) == 200);
    CHECK(verify(signed_in[i], env.replica(1)) == 200);
  }
  // And a new login's session lands on the moved slot's new owner when it hashes there: the
  // replicas' maps were corrected; they still answer readiness.
  CHECK(browser(env.site()).get(env.replica(0) + "/readyz").status == 200);
  CHECK(browser(env.site()).get(env.replica(1) + "/readyz").status == 200);

  long unavailable = 0, server_errors = 0;
  std::string kinds;
  for (const auto& [kind, count] : load.results().failure_kinds()) {
    kinds += " " + kind + " x" + std::to_string(count);
    if (kind.size() > 4 && kind.substr(kind.size() - 4) == ":503") unavailable += count;
    if (kind.size() > 4 && kind.substr(kind.size() - 4) == ":500") server_errors += count;
  }
  std::printf("cluster: under load during the migration: %ld logins, %ld checks, %ld answers 503, failures:%s\n",
              load.results().logins(), load.results().checks(), unavailable, kinds.empty() ? " none" : kinds.c_str());
  INFO("failures:" << kinds);
  CHECK(server_errors == 0);
  CHECK(load.results().failures() == unavailable);  // nothing but 503s (if any): no 500, no dropped connection
}
