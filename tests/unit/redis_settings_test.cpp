// The Redis deployment variables (issue 14): one mode chosen by configuration, every rule that
// can be checked before connecting refused at start with the variable named.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include "core/config.hpp"
#include "session-store/redis_settings.hpp"
#include "support/process.hpp"

using namespace sg;

namespace {
redis_settings settings_of(std::map<std::string, std::string> values) {
  return redis_settings_from(load_config(env_reader(map_environment(std::move(values)))));
}

std::string refused_variable(std::map<std::string, std::string> values) {
  try {
    settings_of(std::move(values));
  } catch (const config_error& e) {
    return e.variable;
  }
  return "";
}
}  // namespace

TEST_CASE("REDIS_URL alone is standalone mode, as before", "[config][redis-modes]") {
  auto s = settings_of({{"REDIS_URL", "redis://app:s3cret@10.0.0.5:6380/2"}});
  CHECK(s.mode == redis_mode::standalone);
  CHECK(std::string(redis_mode_name(s.mode)) == "standalone");
  CHECK(s.data.host == "10.0.0.5");
  CHECK(s.data.port == 6380);
  CHECK(s.data.username == "app");
  CHECK(s.data.password == "s3cret");
  CHECK(s.data.database == 2);
  CHECK_FALSE(s.tls.enabled);
}

TEST_CASE("Sentinel mode takes the sentinels and the master name, and the data nodes' credentials from REDIS_URL", "[config][redis-modes]") {
  auto s = settings_of({{"REDIS_SENTINELS", "10.0.0.7:26379, sentinel-b:26380,[fd00::1]:26381"},
                        {"REDIS_SENTINEL_MASTER", "mymaster"},
                        {"REDIS_SENTINEL_PASSWORD", "sentinel-pw"},
                        {"REDIS_URL", "redis://:data-pw@ignored:6379/3"}});
  CHECK(s.mode == redis_mode::sentinel);
  REQUIRE(s.sentinels.size() == 3);
  CHECK(s.sentinels[1].host == "sentinel-b");
  CHECK(s.sentinels[1].port == 26380);
  CHECK(s.sentinels[2].host == "fd00::1");
  CHECK(s.sentinels[2].text() == "[fd00::1]:26381");
  CHECK(s.sentinel_master == "mymaster");
  auto sentinel = s.sentinel_at(s.sentinels[0]);
  CHECK(sentinel.password == "sentinel-pw");  // the sentinels' own password, never the data nodes'
  CHECK(sentinel.database == 0);
  auto master = s.data_at({"10.0.0.9", 6390});
  CHECK(master.host == "10.0.0.9");
  CHECK(master.password == "data-pw");
  CHECK(master.database == 3);
}

TEST_CASE("the sentinel password may come from a file", "[config][redis-modes]") {
  sg::test::scratch_dir scratch;
  auto path = scratch.path() + "/sentinel-password";
  std::ofstream(path) << "from-file\n";
  auto s = settings_of({{"REDIS_SENTINELS", "127.0.0.1:26379"},
                        {"REDIS_SENTINEL_MASTER", "mymaster"},
                        {"REDIS_SENTINEL_PASSWORD_FILE", path}});
  CHECK(s.sentinel_password == "from-file");
  CHECK(refused_variable({{"REDIS_SENTINELS", "127.0.0.1:26379"},
                          {"REDIS_SENTINEL_MASTER", "mymaster"},
                          {"REDIS_SENTINEL_PASSWORD_FILE", scratch.path() + "/missing"}}) ==
        "REDIS_SENTINEL_PASSWORD_FILE");
}

TEST_CASE("Cluster mode takes the seed nodes and refuses a database other than 0", "[config][redis-modes]") {
  auto s = settings_of({{"REDIS_CLUSTER_NODES", "10.0.0.1:7000,10.0.0.2:7001"}});
  CHECK(s.mode == redis_mode::cluster);
  REQUIRE(s.cluster_nodes.size() == 2);
  CHECK(s.cluster_nodes[1].text() == "10.0.0.2:7001");
  CHECK(refused_variable({{"REDIS_CLUSTER_NODES", "10.0.0.1:7000"}, {"REDIS_URL", "redis://10.0.0.1:7000/1"}}) ==
        "REDIS_URL");
  CHECK(refused_variable({{"REDIS_CLUSTER_NODES", "10.0.0.1:7000"}, {"REDIS_URL", "redis://10.0.0.1:7000/0"}}).empty());
}

TEST_CASE("one Redis mode at a time, and no Sentinel variable without sentinels", "[config][redis-modes]") {
  CHECK(refused_variable({{"REDIS_CLUSTER_NODES", "a:1"}, {"REDIS_SENTINELS", "b:2"}, {"REDIS_SENTINEL_MASTER", "m"}}) ==
        "REDIS_CLUSTER_NODES");
  CHECK(refused_variable({{"REDIS_SENTINELS", "b:2"}}) == "REDIS_SENTINEL_MASTER");
  CHECK(refused_variable({{"REDIS_SENTINEL_MASTER", "m"}}) == "REDIS_SENTINEL_MASTER");
  CHECK(refused_variable({{"REDIS_SENTINEL_PASSWORD", "pw"}}) == "REDIS_SENTINEL_PASSWORD");
}

TEST_CASE("address lists are host:port items and nothing else", "[config][redis-modes]") {
  for (std::string bad : {"", ",", "a:1,", ",a:1", "a", "a:", ":1", "a:0", "a:65536", "a:1x", "a:-1", "a:b:1",
                          "[::1]", "[::1]1", "[::1:1", "a b:1", "a/b:1", "user@a:1", "a:1,,b:2"}) {
    INFO("'" << bad << "'");
    CHECK_THROWS_AS(parse_redis_addresses("REDIS_SENTINELS", bad), config_error);
  }
  auto ok = parse_redis_addresses("REDIS_CLUSTER_NODES", " a:1 ,b.example:65535,[::1]:7000");
  REQUIRE(ok.size() == 3);
  CHECK(ok[0].host == "a");
  CHECK(ok[1].port == 65535);
  CHECK(ok[2].host == "::1");
}

TEST_CASE("rediss:// turns TLS on, and the TLS files are refused without it", "[config][redis-modes]") {
  auto s = settings_of({{"REDIS_URL", "rediss://:pw@redis.example:6380/0"}, {"SOCIAL_AUTH_REDIS_CA_FILE", "/ca.pem"}});
  CHECK(s.tls.enabled);
  CHECK(s.data.tls);
  CHECK(s.data.host == "redis.example");
  CHECK(s.tls.ca_file == "/ca.pem");
  CHECK(s.sentinel_at({"h", 1}).tls);  // sentinels and cluster nodes go over TLS as well
  CHECK(refused_variable({{"SOCIAL_AUTH_REDIS_CA_FILE", "/ca.pem"}}) == "SOCIAL_AUTH_REDIS_CA_FILE");
  CHECK(refused_variable({{"REDIS_URL", "rediss://h:1/0"}, {"SOCIAL_AUTH_REDIS_CERT_FILE", "/c.pem"}}) ==
        "SOCIAL_AUTH_REDIS_KEY_FILE");
  CHECK(refused_variable({{"REDIS_URL", "http://h:1/0"}}) == "REDIS_URL");
}
