// Abuse limits that do not need Redis: configuration, client addresses, JSON bounds, and the
// outbound client's response cap against a real local HTTP server.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <map>
#include <thread>

#include "core/bounded_json.hpp"
#include "core/config.hpp"
#include "core/utf8.hpp"
#include "gateway/client_address.hpp"
#include "providers/github_provider.hpp"
#include "providers/http_client.hpp"

using namespace sg;

namespace {
service_config config_with(std::map<std::string, std::string> values) {
  return load_config(env_reader(map_environment(std::move(values))));
}
std::vector<ip_range> ranges(std::initializer_list<const char*> texts) {
  std::vector<ip_range> out;
  for (auto t : texts) out.push_back(*parse_ip_range(t));
  return out;
}
}  // namespace

TEST_CASE("SOCIAL_AUTH_RATE_LIMITS: protective defaults and a clear error", "[limits][config]") {
  auto defaults = config_with({});
  REQUIRE(defaults.rate_limits.size() == 3);
  for (const auto& rule : defaults.rate_limits) {
    CHECK(rule.limit == 300);
    CHECK(rule.window_seconds == 60);
  }
  CHECK(config_with({{"SOCIAL_AUTH_RATE_LIMITS", "off"}}).rate_limits.empty());
  auto custom = config_with({{"SOCIAL_AUTH_RATE_LIMITS", "login=5/s,token=100/h"}});
  REQUIRE(custom.rate_limits.size() == 2);
  CHECK(custom.rate_limits[0].window_seconds == 1);
  CHECK(custom.rate_limits[1].window_seconds == 3600);
  for (const char* bad : {"login=5", "signup=5/m", "login=x/m", "login=5/d", "login=0/m"}) {
    INFO(bad);
    CHECK_THROWS_AS(config_with({{"SOCIAL_AUTH_RATE_LIMITS", bad}}), config_error);
  }
  CHECK_THROWS_AS(config_with({{"SOCIAL_AUTH_TRUSTED_PROXIES", "10.0.0.0/33"}}), config_error);
  CHECK_THROWS_AS(config_with({{"SOCIAL_AUTH_TRUSTED_PROXIES", "proxy.local"}}), config_error);
}

TEST_CASE("CIDR ranges", "[limits]") {
  auto net = *parse_ip_range("10.1.0.0/16");
  CHECK(net.contains("10.1.200.3"));
  CHECK_FALSE(net.contains("10.2.0.1"));
  CHECK_FALSE(net.contains("not an ip"));
  auto v6 = *parse_ip_range("fd00::/8");
  CHECK(v6.contains("fd12::1"));
  CHECK_FALSE(v6.contains("fe80::1"));
  CHECK(parse_ip_range("127.0.0.1")->contains("127.0.0.1"));
  CHECK_FALSE(parse_ip_range("127.0.0.1")->contains("127.0.0.2"));
}

TEST_CASE("client address: X-Forwarded-For is believed only from trusted proxies", "[limits][security]") {
  auto proxies = ranges({"10.0.0.0/8"});
  // Not from a proxy: the header is the client's own invention.
  CHECK(client_address("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9");
  // From a proxy: the right-most untrusted hop, not the spoofable left-most one.
  CHECK(client_address("10.0.0.2", "1.2.3.4, 198.51.100.7", proxies) == "198.51.100.7");
  CHECK(client_address("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.9", proxies) == "198.51.100.7");
  CHECK(client_address("10.0.0.2", "", proxies) == "10.0.0.2");
  CHECK(client_address("10.0.0.2", "garbage", proxies) == "10.0.0.2");
  CHECK(client_address("10.0.0.2", "10.0.0.5", proxies) == "10.0.0.5");
  // Found by fuzzing: a leading comma before a trusted hop used to loop forever.
  CHECK(client_address("10.0.0.2", ",10.0.0.5", proxies) == "10.0.0.5");
  CHECK(client_address("10.0.0.2", ",,, 10.0.0.5,", proxies) == "10.0.0.2");
}

TEST_CASE("address key: an IPv6 client counts as its /64, an IPv4 one as its address", "[limits][security][ipv6]") {
  // One host's /64: every address in it is one key, whatever the host picks.
  CHECK(address_key("2001:db8:1:2::1", 64) == "2001:db8:1:2::/64");
  CHECK(address_key("2001:db8:1:2:ffff:ffff:ffff:ffff", 64) == "2001:db8:1:2::/64");
  CHECK(address_key("2001:db8:1:3::1", 64) == "2001:db8:1:3::/64");
  CHECK(address_key("2001:0DB8:0001:0002:0000:0000:0000:0001", 64) == "2001:db8:1:2::/64");  // any spelling
  CHECK(address_key("::1", 64) == "::/64");
  CHECK(address_key("2001:db8:1:2::1", 48) == "2001:db8:1::/48");
  CHECK(address_key("2001:db8:1:2:abcd::1", 56) == "2001:db8:1::/56");
  CHECK(address_key("2001:db8:1:2::1", 128) == "2001:db8:1:2::1");
  // IPv4, also as a dual-stack socket shows it: the address itself, never the mapped /64 (which
  // would put every IPv4 client under one key).
  CHECK(address_key("192.0.2.7", 64) == "192.0.2.7");
  CHECK(address_key("::ffff:192.0.2.7", 64) == "192.0.2.7");
  CHECK(address_key("::ffff:192.0.2.8", 64) == "192.0.2.8");
  CHECK(address_key("not an address", 64) == "not an address");
  CHECK(address_key("", 64).empty());

  CHECK(config_with({}).ipv6_prefix_length == 64);
  CHECK(config_with({{"SOCIAL_AUTH_IPV6_PREFIX", "56"}}).ipv6_prefix_length == 56);
  CHECK_THROWS_AS(config_with({{"SOCIAL_AUTH_IPV6_PREFIX", "8"}}), config_error);
}

TEST_CASE("JSON from outside is bounded in depth and size", "[limits][security]") {
  CHECK(parse_bounded_json(R"({"a":[1,{"b":"[[[[["}]})"));
  std::string deep(100000, '[');
  CHECK_FALSE(parse_bounded_json(deep));
  CHECK_FALSE(json_depth_within(std::string(33, '{'), 32));
  CHECK(json_depth_within(std::string(32, '['), 32));
  CHECK_FALSE(parse_bounded_json(std::string(max_json_bytes + 1, ' ')));
  // A hostile IdP answer is a clear login failure, never a crash.
  CHECK_THROWS_AS(parse_github_user(deep), provider_error);
  CHECK_THROWS_AS(pick_github_email(std::string(5000, '[') + std::string(5000, ']')), provider_error);
}

TEST_CASE("an IdP answer over the size cap is refused and a slow one times out", "[limits][security]") {
  httplib::Server server;
  server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(3 << 20, 'x'), "application/json");
  });
  server.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the IdP misbehaving, not synchronisation
    res.set_content("{}", "application/json");
  });
  server.Get("/ok", [](const httplib::Request&, httplib::Response& res) { res.set_content("{}", "application/json"); });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  http_client_settings settings;
  settings.allow_insecure_http = true;
  settings.read_timeout_seconds = 1;
  http_client client(settings);
  auto base = "http://127.0.0.1:" + std::to_string(port);
  CHECK(client.get(base + "/ok", {}).status == 200);
  try {
    client.get(base + "/big", {});
    FAIL("no error for an oversized answer");
  } catch (const provider_error& e) {
    CHECK(e.what_kind == provider_error::kind::bad_response);
  }
  try {
    client.get(base + "/slow", {});
    FAIL("no error for a slow answer");
  } catch (const provider_error& e) {
    CHECK(e.what_kind == provider_error::kind::unavailable);
  }
  http_client strict(http_client_settings{});
  CHECK_THROWS_AS(strict.get(base + "/ok", {}), provider_error);  // plain http refused by default
  server.stop();
  thread.join();
}

TEST_CASE("is_valid_utf8 accepts well-formed text and refuses overlongs surrogates and beyond U+10FFFF", "[limits][utf8]") {
  using namespace std::string_literals;
  for (const auto& good : {""s, "plain ascii"s, "caf\xC3\xA9"s, "\xE2\x82\xAC"s, "\xF0\x9F\x98\x80"s,
                           "\xED\x9F\xBF"s /* U+D7FF */, "\xEE\x80\x80"s /* U+E000 */,
                           "\xF4\x8F\xBF\xBF"s /* U+10FFFF */, "nul \0 inside"s}) {
    INFO(good);
    CHECK(is_valid_utf8(good));
  }
  for (const auto& bad : {"\xFF"s, "\xFE"s, "\x80"s /* stray continuation */, "\xC0\xAF"s, "\xC1\xBF"s,
                          "\xE0\x80\xAF"s, "\xF0\x80\x80\xAF"s /* overlong slashes */,
                          "\xED\xA0\x80"s, "\xED\xBF\xBF"s /* surrogates */, "\xF4\x90\x80\x80"s /* U+110000 */,
                          "\xF5\x80\x80\x80"s, "\xC3"s, "\xE2\x82"s, "\xF0\x9F\x98"s /* truncated */,
                          "ok\xC3(after"s, "\xE2\x28\xA1"s}) {
    INFO(bad);
    CHECK_FALSE(is_valid_utf8(bad));
  }
}
