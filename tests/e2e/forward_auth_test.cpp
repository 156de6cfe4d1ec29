// nginx's auth_request in front of an upstream, with deploy/nginx/socialgate-forward-auth.conf
// as shipped (only host names and ports replaced).
#include <catch2/catch.hpp>

#include <httplib.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "support/deployment.hpp"
#include "support/wait.hpp"

using namespace sg::test;
using json = nlohmann::json;

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
}

// The protected application: echoes the identity headers it received.
struct echo_upstream {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  echo_upstream() {
    server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
      json seen = {{"page", "the protected app"}};
      for (const char* h : {"X-Auth-User-Id", "X-Auth-Username", "X-Auth-Email", "X-Auth-Provider", "X-Auth-Session",
                            "X-Auth-Email-Verified"})
        seen[h] = req.get_header_value(h);
      res.set_content(seen.dump(), "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~echo_upstream() {
    server.stop();
    thread.join();
  }
};
}  // namespace

TEST_CASE("nginx forward auth: 401 without a session and the upstream page with X-Auth headers with one", "[e2e][forward-auth]") {
  deployment env;
  echo_upstream upstream;
  REQUIRE(upstream.port > 0);

  auto site_conf = read_file(SG_SOURCE_DIR "/deploy/nginx/socialgate-forward-auth.conf");
  REQUIRE(site_conf.find("auth_request") != std::string::npos);
  replace_all(site_conf, "socialgate:8080", env.replica(0).substr(7));
  replace_all(site_conf, "cvat_server:8080", "127.0.0.1:" + std::to_string(upstream.port));

  std::random_device seed;
  std::mt19937 random(seed());
  std::unique_ptr<child_process> nginx;
  std::string nginx_url;
  for (int attempt = 0; attempt < 20 && nginx_url.empty(); ++attempt) {
    int port = std::uniform_int_distribution<int>(20000, 59999)(random);
    auto conf = site_conf;
    replace_all(conf, "listen 80;", "listen 127.0.0.1:" + std::to_string(port) + ";");
    auto dir = env.scratch();
    std::ofstream(dir + "/site.conf") << conf;
    std::ofstream(dir + "/nginx.conf")
        << (getuid() == 0 ? "user root;\n" : "") << "worker_processes 1;\npid " << dir << "/nginx.pid;\nerror_log "
        << dir << "/nginx-error.log;\nevents {}\nhttp {\n  access_log " << dir << "/nginx-access.log;\n"
        << "  client_body_temp_path " << dir << "/body;\n  proxy_temp_path " << dir << "/proxy;\n"
        << "  fastcgi_temp_path " << dir << "/fastcgi;\n  uwsgi_temp_path " << dir << "/uwsgi;\n"
        << "  scgi_temp_path " << dir << "/scgi;\n  include " << dir << "/site.conf;\n}\n";
    nginx = std::make_unique<child_process>(
        std::vector<std::string>{"/usr/sbin/nginx", "-p", dir, "-c", dir + "/nginx.conf", "-g", "daemon off;"},
        std::map<std::string, std::string>{}, dir + "/nginx.log");
    auto url = "http://127.0.0.1:" + std::to_string(port);
    httplib::Client probe(url);
    if (wait_until([&] { return !nginx->running() || probe.Get("/api/auth/social/methods/"); }) && nginx->running())
      nginx_url = url;
  }
  REQUIRE_FALSE(nginx_url.empty());

  // Sign in through nginx, as a browser in front of it would.
  browser b(nginx_url, env.idp_url());
  CHECK(b.get(nginx_url + "/tasks").status == 401);
  // Headers a client sends itself never reach the upstream as an identity.
  CHECK(b.get(nginx_url + "/tasks", "", {{"X-Auth-User-Id", "1"}}).status == 401);

  auto start = b.get(nginx_url + "/api/auth/github/login/?next=/tasks");
  REQUIRE(start.status == 302);
  auto idp = b.get(start.header("Location") + "&dev_login=octocat");
  auto [origin, callback_path] = split_url(idp.header("Location"));
  auto callback = b.get(nginx_url + callback_path);
  REQUIRE(callback.status == 302);

  auto page = b.get(nginx_url + "/tasks", "", {{"X-Auth-Username", "admin"}});
  REQUIRE(page.status == 200);
  auto seen = json::parse(page.body);
  CHECK(seen["page"] == "the protected app");
  CHECK(seen["X-Auth-Username"] == "octocat");
  CHECK(seen["X-Auth-Email"] == "octocat@example.com");
  CHECK(seen["X-Auth-Provider"] == "github");
  CHECK(seen["X-Auth-Email-Verified"] == "true");
  CHECK_FALSE(seen["X-Auth-User-Id"].get<std::string>().empty());

  // Revoked in socialgate: the next request through nginx is refused.
  auto handle = json::parse(b.get(nginx_url + "/api/auth/sessions").body)[0]["id"].get<std::string>();
  CHECK(seen["X-Auth-Session"] == handle);  // the public handle reaches the app, never the secret
  browser api(env.site());
  REQUIRE(api.send_delete(env.replica(0) + "/api/auth/sessions/" + handle,
                          {{"Authorization", "Token " + b.cookies["sg_sessionid"]}}).status == 204);
  CHECK(b.get(nginx_url + "/tasks").status == 401);
}
