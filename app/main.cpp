// socialgate: the service (`socialgate`), its configuration check (`socialgate check-config`) and
// the account-key migration (`socialgate migrate-keys`).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "app/service.hpp"
#include "core/log.hpp"
#include "providers/provider_factory.hpp"
#include "session-store/key_migration.hpp"
#include "session-store/blocking_redis.hpp"
#include "session-store/redis_settings.hpp"
#include "session-store/redis_tls.hpp"
#include "session-store/redis_version.hpp"
#include "session-store/user_store.hpp"

namespace {
void print_usage() {
  std::puts("usage: socialgate [serve]       run the service (configured by environment variables)\n"
            "       socialgate check-config  validate the configuration and print what is enabled\n"
            "       socialgate migrate-keys  move account keys of the old layout under their hash tag");
}

// The configured Redis deployment (standalone, Sentinel or Cluster, TLS or not), blocking, with
// one connection per server: for the start-up checks and the command-line tools.
sg::blocking_redis one_connection(const sg::service_config& config) {
  auto settings = sg::redis_settings_from(config);
  settings.connections = 1;
  settings.reply_timeout = std::chrono::milliseconds(5000);
  return sg::blocking_redis(settings);
}

// `socialgate check-config`'s Redis lines: the mode, and what it found there (the master the
// sentinels name, the Cluster's masters and slots, or the server's answer), within 5 seconds.
std::string describe_redis(const sg::service_config& config) {
  auto settings = sg::redis_settings_from(config);
  std::string out = "  redis mode: " + std::string(sg::redis_mode_name(settings.mode)) +
                    (settings.tls.enabled ? " over TLS (rediss://" +
                                                std::string(settings.tls.ca_file.empty() ? ", the system's CA store"
                                                                                          : ", CA " + settings.tls.ca_file) +
                                                (settings.tls.cert_file.empty() ? "" : ", client certificate") + ")"
                                          : "") + "\n";
  if (settings.mode == sg::redis_mode::sentinel) {
    out += "  sentinels:";
    for (const auto& a : settings.sentinels) out += " " + a.text();
    out += " (master name '" + settings.sentinel_master + "'" +
           (settings.sentinel_password.empty() ? "" : ", with a sentinel password") + ")\n";
  } else if (settings.mode == sg::redis_mode::cluster) {
    out += "  cluster seed nodes:";
    for (const auto& a : settings.cluster_nodes) out += " " + a.text();
    out += "\n";
  }
  try {
    auto redis = one_connection(config);
    std::string answer;
    if (redis.locate(std::chrono::seconds(5))) {
      try {
        auto pong = redis.command({"PING"});
        answer = pong.text == "PONG" ? "answers" : "answers oddly";
      } catch (const std::exception& e) {
        answer = std::string("does not answer: ") + e.what();
      }
    } else {
      answer = "not found";
    }
    out += "  redis found: " + redis.backend().status() + " (" + answer + ")\n";
  } catch (const std::exception& e) {
    out += std::string("  redis found: nothing (") + e.what() + ")\n";
  }
  return out;
}

// `socialgate migrate-keys`: run once, with every replica stopped. Prints counts, never keys
// (they hold email addresses).
int migrate_keys(const sg::service_config& config) {
  if (sg::redis_settings_from(config).mode == sg::redis_mode::cluster) {
    std::puts("nothing to migrate: a Redis Cluster never held the old layout (its scripts spanned hash slots, "
              "which a Cluster refuses), and migrate-keys renames keys across slots, which a Cluster cannot do");
    return 0;
  }
  auto redis = one_connection(config);
  auto report = sg::migrate_keys(redis, config.redis_prefix);
  long total = 0;
  for (const auto& [kind, count] : report.moved) {
    std::printf("moved %ld %s key(s) to %s%s:...\n", count, kind.c_str(),
                sg::account_key_prefix(config.redis_prefix).c_str(), kind.c_str());
    total += count;
  }
  if (report.sequence_removed) std::printf("removed %suser-seq (user ids are random now)\n", config.redis_prefix.c_str());
  if (report.users_marked_trusted)
    std::printf("marked %ld user(s) email_trusted (every identity from GitHub or Google)\n", report.users_marked_trusted);
  if (report.left_in_place) {
    std::printf("left %ld old key(s) in place: their new name already exists (nothing was overwritten); "
                "inspect them, delete the ones not needed, and run migrate-keys again\n", report.left_in_place);
    return 1;
  }
  std::printf(total || report.sequence_removed ? "done: %ld key(s) moved, user ids kept\n"
                                               : "nothing to migrate (%ld keys of the old layout)\n", total);
  return 0;
}

// Start-up refuses a Redis older than 6.2 (CVAT before 2.10 ships Redis 4 as cvat_redis): its
// scripts and commands are those of 6.2. nullopt: go on (Redis down or INFO not allowed: the
// version is not known, which is logged); otherwise the exit code.
std::optional<int> refuse_old_redis(const sg::service_config& config) {
  try {
    auto redis = one_connection(config);
    auto verdict = sg::judge_redis_version(redis.command({"INFO", "server"}).text);
    if (!verdict || verdict->supported) return std::nullopt;
    std::fprintf(stderr,
                 "socialgate: the Redis at REDIS_URL is version %s; socialgate needs Redis 6.2 or newer. CVAT "
                 "before 2.10 runs Redis 4 (cvat_redis): give socialgate its own Redis 7 (the Compose "
                 "override's socialgate_redis service) and point REDIS_URL at it\n",
                 verdict->version.c_str());
    return 2;
  } catch (const sg::redis_unavailable& e) {
    sg::log_event(sg::log_level::warning, "redis_version_unchecked", {{"reason", e.what()}});
  } catch (const sg::redis_command_error& e) {
    sg::log_event(sg::log_level::warning, "redis_version_unchecked",
                  {{"reason", e.what()}, {"detail", "allow INFO to let socialgate check the Redis version"}});
  }
  return std::nullopt;
}

// Start-up refuses old-layout account keys: this version would not see those users and would
// make a second user for each of their identities. nullopt: go on (`unchecked` tells whether
// Redis could be asked); otherwise the exit code.
std::optional<int> refuse_old_layout(const sg::service_config& config, bool& unchecked) {
  unchecked = false;
  // SCAN sees one Cluster node only; and no Cluster ever held the old layout (see migrate-keys).
  if (sg::redis_settings_from(config).mode == sg::redis_mode::cluster) return std::nullopt;
  try {
    auto redis = one_connection(config);
    auto found = sg::sync_wait(sg::find_old_layout_key(redis, config.redis_prefix));
    if (!found) return std::nullopt;
    std::fprintf(stderr,
                 "socialgate: Redis holds account keys of the old layout (%s): stop every replica, run "
                 "`socialgate migrate-keys` once with the same REDIS_URL and SOCIAL_AUTH_REDIS_PREFIX, then start again\n",
                 found->c_str());
    return 2;
  } catch (const sg::redis_unavailable& e) {
    // Redis down at start-up is not fatal (the service reconnects by itself); the user store
    // looks before its first write instead.
    sg::log_event(sg::log_level::warning, "key_layout_unchecked",
                  {{"reason", e.what()}, {"detail", "checked before the first account write"}});
    unchecked = true;
    return std::nullopt;
  } catch (const sg::redis_command_error& e) {
    // The Redis user may not run SCAN (an ACL): say so once and go on, as before this check.
    sg::log_event(sg::log_level::warning, "key_layout_unchecked",
                  {{"reason", e.what()}, {"detail", "allow SCAN and EXISTS to let socialgate look for old-layout keys"}});
    return std::nullopt;
  }
}
}  // namespace

int main(int argc, char** argv) {
  std::string command = argc > 1 ? argv[1] : "serve";
  if (command == "-h" || command == "--help" || command == "help") {
    print_usage();
    return 0;
  }
  if (command != "serve" && command != "check-config" && command != "migrate-keys") {
    std::fprintf(stderr, "socialgate: unknown command '%s'\n", command.c_str());
    print_usage();
    return 2;
  }
  sg::service_config config;
  try {
    config = sg::load_config(sg::env_reader(sg::process_environment()));
    auto redis = sg::redis_settings_from(config);
    if (redis.tls.enabled) sg::redis_tls_context check_files(redis.tls);  // unreadable files: a config error now
  } catch (const sg::config_error& e) {
    std::fprintf(stderr, "socialgate: configuration error: %s\n", e.what());
    return 2;
  }
  if (const char* level = std::getenv("SOCIALGATE_LOG_LEVEL"); level && std::strcmp(level, "debug") == 0)
    sg::set_log_level(sg::log_level::debug);
  if (command == "check-config") {
    std::fputs(sg::describe_config(config).c_str(), stdout);
    std::fputs(describe_redis(config).c_str(), stdout);
    return 0;
  }
  if (command == "migrate-keys") {
    try {
      return migrate_keys(config);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "socialgate: migrate-keys failed: %s\n", e.what());
      return 1;
    }
  }
  if (auto refused = refuse_old_redis(config)) return *refused;
  bool layout_unchecked = false;
  if (auto refused = refuse_old_layout(config, layout_unchecked)) return *refused;
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
    if (layout_unchecked) service.check_key_layout_before_writing();
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
