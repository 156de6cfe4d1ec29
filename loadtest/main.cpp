// socialgate-loadtest: concurrent, complete, browser-like logins against socialgate replicas
// and the dev IdP, with a report of rates, failures by kind and latency percentiles.
//
//   socialgate-loadtest --targets http://127.0.0.1:8080,http://127.0.0.1:8081 [--site URL]
//       [--provider github] [--users 64] [--logins 10000] [--duration 30] [--checks-per-login 5]
//       [--verify-only] [--user-prefix lt]
//
// --site is the public base URL the IdP redirects back to (CVAT_BASE_URL; default: the first
// target); callbacks addressed to it are sent to the replicas in turn, like a load balancer.
// --verify-only: each user signs in once, then runs only session checks (the verify benchmark).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/text.hpp"
#include "loadtest/report.hpp"
#include "loadtest/virtual_user.hpp"

int main(int argc, char** argv) {
  sg::load::load_options options;
  int users = 64;
  long max_logins = 10000;
  double duration = 30;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--targets") options.targets = sg::split_nonempty(value(), ',');
    else if (arg == "--site") options.site = value();
    else if (arg == "--provider") options.provider = value();
    else if (arg == "--users") users = std::stoi(value());
    else if (arg == "--logins") max_logins = std::stol(value());
    else if (arg == "--duration") duration = std::stod(value());
    else if (arg == "--checks-per-login") options.checks_per_login = std::stoi(value());
    else if (arg == "--user-prefix") options.user_prefix = value();
    else if (arg == "--verify-only") options.verify_only = true;
    else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of loadtest/main.cpp)\n", arg.c_str());
      return 2;
    }
  }
  if (options.targets.empty() || users < 1) {
    std::fprintf(stderr, "usage: socialgate-loadtest --targets URL[,URL...] [--users N] [--logins N] [--duration S]\n");
    return 2;
  }
  if (options.site.empty()) options.site = options.targets.front();

  sg::load::recorder results;
  std::atomic<unsigned> round_robin{0};
  std::atomic<long> logins_started{0};
  std::atomic<bool> stop{false};
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(duration));

  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u) {
    threads.emplace_back([&, u] {
      sg::load::virtual_user user(u, options, results, round_robin);
      if (options.verify_only) {
        if (!user.run_once(0)) return;
        while (!stop && std::chrono::steady_clock::now() < deadline) user.check_once();
        return;
      }
      for (int iteration = 0; !stop && std::chrono::steady_clock::now() < deadline; ++iteration) {
        if (logins_started.fetch_add(1) >= max_logins) break;
        user.run_once(iteration);
      }
    });
  }
  // Progress once a second until every user is done.
  std::thread progress([&] {
    long last_logins = 0, last_checks = 0;
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::seconds(1));  // reporting interval
      long logins = results.logins(), checks = results.checks();
      std::fprintf(stderr, "[%5.1fs] logins %ld (+%ld/s)  checks %ld (+%ld/s)  failures %ld\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), logins,
                   logins - last_logins, checks, checks - last_checks, results.failures());
      last_logins = logins;
      last_checks = checks;
    }
  });
  for (auto& t : threads) t.join();
  stop = true;
  progress.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fputs(results.report(seconds).c_str(), stdout);
  return results.logins() + results.checks() > 0 ? 0 : 1;
}
