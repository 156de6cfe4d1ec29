// socialgate: the service (`socialgate`) and its configuration check (`socialgate check-config`).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "app/service.hpp"
#include "core/log.hpp"
#include "providers/provider_factory.hpp"
#include "session-store/redis_url.hpp"

namespace {
void print_usage() {
  std::puts("usage: socialgate [serve]       run the service (configured by environment variables)\n"
            "       socialgate check-config  validate the configuration and print what is enabled");
}
}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "-h" || command == "--help" || command == "help") {
    print_usage();
    return 0;
  }
  if (command != "serve" && command != "check-config") {
    std::fprintf(stderr, "socialgate: unknown command '%s'\n", command.c_str());
    print_usage();
    return 2;
  }
  sg::service_config config;
  try {
    config = sg::load_config(sg::env_reader(sg::process_environment()));
    sg::parse_redis_url(config.redis_url);
  } catch (const sg::config_error& e) {
    std::fprintf(stderr, "socialgate: configuration error: %s\n", e.what());
    return 2;
  }
  if (const char* level = std::getenv("SOCIALGATE_LOG_LEVEL"); level && std::strcmp(level, "debug") == 0)
    sg::set_log_level(sg::log_level::debug);
  if (command == "check-config") {
    std::fputs(sg::describe_config(config).c_str(), stdout);
    return 0;
  }
  if (config.allow_insecure_http)
    sg::log_event(sg::log_level::warning, "insecure_http_allowed",
                  {{"detail", "SOCIAL_AUTH_ALLOW_INSECURE_HTTP is on: http:// IdP URLs accepted; development only"}});

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    sg::service service(config, sg::make_providers(config));
    int port = service.start();
    sg::log_event(sg::log_level::info, "listening",
                  {{"address", config.listen_host + ":" + std::to_string(port)}, {"port", port},
                   {"base_url", config.base_url}});
    int received = 0;
    sigwait(&stop_signals, &received);
    sg::log_event(sg::log_level::info, "shutdown", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // The bound on finishing in-flight requests: past it, exit anyway (orchestrators send
    // SIGKILL after their own grace period, typically 30 s).
    std::thread([seconds = config.shutdown_timeout_seconds] {
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      sg::log_event(sg::log_level::warning, "shutdown_timeout", {{"seconds", seconds}});
      std::_Exit(0);
    }).detach();
    service.stop();
  } catch (const std::exception& e) {
    sg::log_event(sg::log_level::error, "fatal", {{"reason", e.what()}});
    return 1;
  }
  sg::log_event(sg::log_level::info, "stopped");
  return 0;
}
