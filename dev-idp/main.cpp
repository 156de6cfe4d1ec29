// socialgate-dev-idp: a development identity provider speaking the real wire protocol of the
// providers socialgate supports, for the local demo and the tests (the real IdPs are out of reach).
//
//   --listen HOST:PORT   (DEV_IDP_LISTEN, default 127.0.0.1:9000; port 0 picks a free one)
//   --client ID:SECRET[:CALLBACK_PREFIX]  repeatable (DEV_IDP_CLIENTS, comma-separated;
//                        default dev-client:dev-secret)
//   --users FILE         JSON list of users (DEV_IDP_USERS_FILE)
//   --no-auto-create     unknown logins are refused instead of created
//   --threads N          HTTP worker threads (DEV_IDP_THREADS, default 64)
// Personalities: GitHub at the root (and /api/v3), OIDC at /google, /cognito and /oidc (see
// oidc_personality.hpp for their paths, key rotation and misbehaviour switches).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "core/text.hpp"
#include "dev-idp/faults.hpp"
#include "dev-idp/github_personality.hpp"
#include "dev-idp/idp_state.hpp"
#include "dev-idp/oidc_personality.hpp"

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

sg::dev::dev_client parse_client(const std::string& spec) {
  auto first = spec.find(':');
  if (first == std::string::npos) throw std::runtime_error("--client wants ID:SECRET[:CALLBACK_PREFIX], got '" + spec + "'");
  auto second = spec.find(':', first + 1);
  // The callback prefix is a URL and contains ':' itself: everything after the secret is the prefix.
  return {spec.substr(0, first), spec.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1),
          second == std::string::npos ? "" : spec.substr(second + 1)};
}

void load_users(const std::string& path, sg::dev::idp_state& state) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read users file '" + path + "'");
  auto doc = nlohmann::json::parse(in);
  for (const auto& entry : doc) state.add_user(sg::dev::user_from_json(entry));
}

void add_default_users(sg::dev::idp_state& state) {
  state.add_user({"octocat", 583231, "Mona Octocat", {{"octocat@example.com", true, true}}});
  state.add_user({"hubot-unverified", 0, "Hubot Unverified", {{"hubot@example.com", true, false}}});
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = env_or("DEV_IDP_LISTEN", "127.0.0.1:9000");
  std::vector<std::string> clients = sg::split_nonempty(env_or("DEV_IDP_CLIENTS", ""), ',');
  std::string users_file = env_or("DEV_IDP_USERS_FILE", "");
  sg::dev::github_options github;
  int threads = std::atoi(env_or("DEV_IDP_THREADS", "64").c_str());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "socialgate-dev-idp: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--listen") listen = value();
    else if (arg == "--client") clients.push_back(value());
    else if (arg == "--users") users_file = value();
    else if (arg == "--no-auto-create") github.auto_create_users = false;
    else if (arg == "--threads") threads = std::atoi(value().c_str());
    else {
      std::fprintf(stderr, "socialgate-dev-idp: unknown argument '%s'\n", arg.c_str());
      return 2;
    }
  }
  if (clients.empty()) clients.push_back("dev-client:dev-secret");

  sg::dev::idp_state state;
  sg::dev::fault_switches faults;
  httplib::Server server;
  int port = -1;
  std::string host;
  try {
    for (const auto& spec : clients) state.add_client(parse_client(spec));
    if (users_file.empty()) add_default_users(state);
    else load_users(users_file, state);
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen wants HOST:PORT");
    host = listen.substr(0, colon);
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "socialgate-dev-idp: %s\n", e.what());
    return 2;
  }

  if (threads < 1) threads = 64;
  server.set_tcp_nodelay(true);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  // A benchmark's baseline: keep connections open for many requests (cpp-httplib closes a
  // keep-alive connection after 5 by default, which puts a reconnect on every sixth call).
  server.set_keep_alive_max_count(100000);
  sg::dev::install_fault_injection(server, faults);
  sg::dev::install_github_personality(server, state, github);
  // OIDC: a Google-like issuer, a Cognito-like hosted UI, and a generic IdP signing with ES256.
  sg::dev::install_oidc_personality(server, state, {"/google", false, "RS256"});
  sg::dev::install_oidc_personality(server, state, {"/cognito", true, "RS256"});
  sg::dev::install_oidc_personality(server, state, {"/oidc", false, "ES256"});
  server.Get("/_dev/stats", [&state](const httplib::Request&, httplib::Response& res) {
    nlohmann::json doc = {{"authorize_requests", state.authorize_requests.load()},
                          {"token_requests", state.token_requests.load()},
                          {"jwks_requests", state.jwks_requests.load()},
                          {"user_requests", state.user_requests.load()},
                          {"enterprise_api_requests", state.enterprise_api_requests.load()}};
    res.set_content(doc.dump(), "application/json");
  });
  server.Post("/_dev/users", [&state](const httplib::Request& req, httplib::Response& res) {
    auto doc = nlohmann::json::parse(req.body, nullptr, false);
    try {
      state.add_user(sg::dev::user_from_json(doc));
      res.status = 201;
    } catch (const std::exception&) {
      res.status = 400;
      res.set_content("expected {\"login\":..., \"id\":..., \"emails\":[...]}", "text/plain");
    }
  });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    sg::log_event(sg::log_level::info, "dev_idp_request", {{"method", req.method}, {"path", req.path}, {"status", res.status}});
  });

  int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    std::fprintf(stderr, "socialgate-dev-idp: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  state.base_url = "http://" + host + ":" + std::to_string(bound);
  static httplib::Server* running = &server;
  std::signal(SIGTERM, [](int) { running->stop(); });
  std::signal(SIGINT, [](int) { running->stop(); });
  sg::log_event(sg::log_level::info, "listening", {{"address", host + ":" + std::to_string(bound)}, {"port", bound}});
  server.listen_after_bind();
  return 0;
}
