// Per-address limits against IPv6 clients (issue 19): one host is usually given a whole /64 and
// can pick any address in it, so rate limits, the per-address login-start cap and the
// per-address connection cap count an IPv6 client by its /64 (SOCIAL_AUTH_IPV6_PREFIX).
//
// The executable runs in a network namespace of its own (tests/support/in_ipv6_network.sh) whose
// loopback carries fd00:5167:0:1::1-::20 (one /64) and fd00:5167:0:2::1-::4 (another), so the
// clients below connect from real addresses of those networks to a dual-stack replica.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/deployment.hpp"
#include "support/socket_client.hpp"
#include "support/wait.hpp"

using namespace sg::test;

namespace {

// The i-th address (1-based) of the first test network, and of the second.
std::string in_first_network(int i) { return "fd00:5167:0:1::" + std::to_string(i); }
std::string in_second_network(int i) { return "fd00:5167:0:2::" + std::to_string(i); }

deployment_options dual_stack(std::map<std::string, std::string> env) {
  deployment_options options;
  options.env = std::move(env);
  options.env["SOCIALGATE_LISTEN"] = "[::]:0";  // IPv6 clients and, IPv4-mapped, IPv4 ones
  return options;
}

// One request on a fresh connection from `source`; the answer's status (0: none).
int status_from(int port, const std::string& source, const std::string& request) {
  auto socket = client_socket::connect_to(port, source);
  socket.send_all(request);
  auto answer = socket.read_answer();
  return answer ? answer->status : 0;
}

int login_start_from(int port, const std::string& source, const std::string& extra = "") {
  return status_from(port, source, get_request("/api/auth/github/login/?next=/", extra));
}

// Keys under `pattern` in the deployment's Redis.
std::size_t keys_matching(deployment& env, const std::string& pattern) {
  return env.redis().client().command({"KEYS", pattern}).elements.size();
}

// A connection from `source` whose GET /healthz was answered 200, kept open.
std::optional<client_socket> held_connection(int port, const std::string& source) {
  auto socket = client_socket::connect_to(port, source);
  socket.send_all(get_request("/healthz"));
  auto answer = socket.read_answer();
  if (!answer || answer->status != 200) return std::nullopt;
  return socket;
}

}  // namespace

TEST_CASE("IPv6: login starts from one /64 share the client's rate limit", "[ipv6][limits][security]") {
  deployment env(dual_stack({{"SOCIAL_AUTH_RATE_LIMITS", "login=5/m"}}));
  const int port = port_of(env.replica(0));
  // Five addresses of one network use up its limit; a sixth address of it is still that client.
  for (int i = 1; i <= 5; ++i) CHECK(login_start_from(port, in_first_network(i)) == 302);
  CHECK(login_start_from(port, in_first_network(6)) == 429);
  CHECK(login_start_from(port, in_first_network(20)) == 429);
  // Another network is another client.
  CHECK(login_start_from(port, in_second_network(1)) == 302);
  // One counter per network in Redis, not one per address.
  CHECK(keys_matching(env, "sg:rate:login:*") == 2);
}

TEST_CASE("IPv6: the per-address login-start cap counts a /64 as one address", "[ipv6][limits][security]") {
  deployment env(dual_stack({{"SOCIAL_AUTH_RATE_LIMITS", "off"}, {"SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS", "3"}}));
  const int port = port_of(env.replica(0));
  for (int i = 1; i <= 3; ++i) CHECK(login_start_from(port, in_first_network(i)) == 302);
  CHECK(login_start_from(port, in_first_network(4)) == 429);
  CHECK(login_start_from(port, in_second_network(1)) == 302);
  CHECK(keys_matching(env, "sg:flows-by-address:*") == 2);
  // No login state was stored for the refused start.
  CHECK(keys_matching(env, "sg:flow:*") == 4);
}

TEST_CASE("IPv6: connections from one /64 share the per-address connection cap", "[ipv6][caps][security]") {
  deployment env(dual_stack({{"SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS", "4"}}));
  const int port = port_of(env.replica(0));
  std::vector<client_socket> held;
  for (int i = 1; i <= 4; ++i) {
    auto socket = held_connection(port, in_first_network(i));
    REQUIRE(socket);
    held.push_back(std::move(*socket));
  }
  CHECK(status_from(port, in_first_network(5), get_request("/healthz")) == 503);
  CHECK(status_from(port, in_second_network(1), get_request("/healthz")) == 200);
  // A place freed in that network is a place taken again, by any of its addresses.
  held.pop_back();
  CHECK(wait_until([&] { return status_from(port, in_first_network(7), get_request("/healthz")) == 200; }));
}

TEST_CASE("IPv6: SOCIAL_AUTH_IPV6_PREFIX=128 counts every address on its own", "[ipv6][limits]") {
  deployment env(dual_stack({{"SOCIAL_AUTH_RATE_LIMITS", "login=2/m"}, {"SOCIAL_AUTH_IPV6_PREFIX", "128"}}));
  const int port = port_of(env.replica(0));
  for (int i = 1; i <= 6; ++i) CHECK(login_start_from(port, in_first_network(i)) == 302);
  CHECK(login_start_from(port, in_first_network(1)) == 302);
  CHECK(login_start_from(port, in_first_network(1)) == 429);
}

TEST_CASE("IPv6: X-Forwarded-For from a trusted proxy is keyed on the client's /64", "[ipv6][limits][security]") {
  deployment env(dual_stack({{"SOCIAL_AUTH_RATE_LIMITS", "login=3/m"}, {"SOCIAL_AUTH_TRUSTED_PROXIES", "127.0.0.1"}}));
  const int port = port_of(env.replica(0));
  auto forwarded = [](const std::string& client) { return "X-Forwarded-For: " + client + "\r\n"; };
  for (int i = 1; i <= 3; ++i) CHECK(login_start_from(port, "127.0.0.1", forwarded("2001:db8:7:7::" + std::to_string(i))) == 302);
  CHECK(login_start_from(port, "127.0.0.1", forwarded("2001:db8:7:7:ffff::1")) == 429);
  CHECK(login_start_from(port, "127.0.0.1", forwarded("2001:db8:7:8::1")) == 302);
}

TEST_CASE("IPv4 clients of a dual-stack listener still count one address each", "[ipv6][caps]") {
  // Seen IPv4-mapped (::ffff:127.0.0.2), an IPv4 client must not fall into one /64 with all others.
  deployment env(dual_stack({{"SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS", "2"}, {"SOCIAL_AUTH_RATE_LIMITS", "login=2/m"}}));
  const int port = port_of(env.replica(0));
  std::vector<client_socket> held;
  for (int i = 0; i < 2; ++i) {
    auto socket = held_connection(port, "127.0.0.2");
    REQUIRE(socket);
    held.push_back(std::move(*socket));
  }
  CHECK(status_from(port, "127.0.0.2", get_request("/healthz")) == 503);
  CHECK(status_from(port, "127.0.0.3", get_request("/healthz")) == 200);
  held.clear();
  CHECK(wait_until([&] { return status_from(port, "127.0.0.4", get_request("/healthz")) == 200; }));
  CHECK(login_start_from(port, "127.0.0.4") == 302);
  CHECK(login_start_from(port, "127.0.0.4") == 302);
  CHECK(login_start_from(port, "127.0.0.4") == 429);
  CHECK(login_start_from(port, "127.0.0.5") == 302);
}
