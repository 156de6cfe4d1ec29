// socialgate-loadtest: concurrent, complete, browser-like logins against socialgate replicas
// and the dev IdP, with a report of rates, failures by kind and latency percentiles.
//
//   socialgate-loadtest --targets http://127.0.0.1:8080,http://127.0.0.1:8081 [--site URL]
//       [--provider github] [--users 64] [--logins 10000] [--duration 30] [--checks-per-login 5]
//       [--verify-only] [--user-prefix lt]
//   socialgate-loadtest --idp-alone github|oidc --idp URL --client ID:SECRET --site URL
//       [--provider github] [--users 64] [--logins 10000] [--duration 30] [--user-prefix lt]
//
// --site is the public base URL the IdP redirects back to (CVAT_BASE_URL; default: the first
// target); callbacks addressed to it are sent to the replicas in turn, like a load balancer.
// --verify-only: each user signs in once, then runs only session checks (the verify benchmark).
// --idp-alone: no socialgate; each login is the IdP requests a socialgate login makes (authorize
// approved at once, token, then /user and /user/emails or UserInfo), sent straight to the dev IdP
// at --idp (for OIDC the issuer URL, e.g. http://127.0.0.1:9000/oidc) as client --client, with
// the redirect_uri socialgate would send for --site and --provider. The baseline for logins.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/text.hpp"
#include "loadtest/idp_user.hpp"
#include "loadtest/report.hpp"
#include "loadtest/virtual_user.hpp"

int main(int argc, char** argv) {
  sg::load::load_options options;
  int users = 64;
  long max_logins = 10000;
  double duration = 30;
  std::string idp_alone;  // "", "github" or "oidc"
  sg::load::idp_options idp;
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
    else if (arg == "--idp-alone") idp_alone = value();
    else if (arg == "--idp") idp.base_url = value();
    else if (arg == "--client") {
      auto spec = value();
      auto colon = spec.find(':');
      idp.client_id = spec.substr(0, colon);
      idp.client_secret = colon == std::string::npos ? "" : spec.substr(colon + 1);
    }
    else {
      std::fprintf(stderr, "unknown argument %s (see the comment at the top of loadtest/main.cpp)\n", arg.c_str());
      return 2;
    }
  }
  if (!idp_alone.empty()) {
    if ((idp_alone != "github" && idp_alone != "oidc") || idp.base_url.empty() || idp.client_id.empty() || options.site.empty()) {
      std::fprintf(stderr, "usage: socialgate-loadtest --idp-alone github|oidc --idp URL --client ID:SECRET --site URL\n");
      return 2;
    }
    idp.protocol = idp_alone == "github" ? sg::load::idp_protocol::github : sg::load::idp_protocol::oidc;
    idp.redirect_uri = options.site + "/api/auth/" + options.provider + "/login/callback/";
    idp.user_prefix = options.user_prefix;
  } else if (options.targets.empty()) {
    std::fprintf(stderr, "usage: socialgate-loadtest --targets URL[,URL...] [--users N] [--logins N] [--duration S]\n");
    return 2;
  }
  if (users < 1) {
    std::fprintf(stderr, "--users wants at least 1\n");
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
      if (!idp_alone.empty()) {
        sg::load::idp_user user(u, idp, results);
        for (int iteration = 0; !stop && std::chrono::steady_clock::now() < deadline; ++iteration) {
          if (logins_started.fetch_add(1) >= max_logins) break;
          user.run_once(iteration);
        }
        return;
      }
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
  // Measured before waiting for the progress thread, which may sleep up to a second more.
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  stop = true;
  progress.join();
  std::fputs(results.report(seconds).c_str(), stdout);
  return results.logins() + results.checks() > 0 ? 0 : 1;
}
