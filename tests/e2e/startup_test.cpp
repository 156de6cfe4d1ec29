// The program's own contract: configuration errors, check-config, SIGTERM.
#include <catch2/catch.hpp>

#include <algorithm>

#include <signal.h>

#include "support/deployment.hpp"

using namespace sg::test;

TEST_CASE("a bad configuration stops start-up with one line naming the variable", "[e2e][config]") {
  scratch_dir dir;
  child_process bad({SG_SOCIALGATE_BIN},
                    {{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"}, {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"}},
                    dir.path() + "/bad.log");
  CHECK(bad.wait_exit() == 2);
  auto log = bad.log();
  CHECK(log.find("SOCIAL_AUTH_GITHUB_CLIENT_SECRET") != std::string::npos);
  CHECK(std::count(log.begin(), log.end(), '\n') == 1);

  child_process insecure({SG_SOCIALGATE_BIN},
                         {{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"}, {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "id"},
                          {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "s"}, {"SOCIAL_AUTH_GITHUB_URL", "http://ghe.local"}},
                         dir.path() + "/insecure.log");
  CHECK(insecure.wait_exit() == 2);
  CHECK(insecure.log().find("SOCIAL_AUTH_ALLOW_INSECURE_HTTP") != std::string::npos);
}

TEST_CASE("check-config lists what is enabled and the callback URL and never the secret", "[e2e][config][security]") {
  scratch_dir dir;
  child_process check({SG_SOCIALGATE_BIN, "check-config"},
                      {{"USE_ALLAUTH_SOCIAL_ACCOUNTS", "True"},
                       {"CVAT_BASE_URL", "https://cvat.example.com"},
                       {"SOCIAL_AUTH_GITHUB_CLIENT_ID", "the-client-id"},
                       {"SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "the-very-secret-value"}},
                      dir.path() + "/check.log");
  CHECK(check.wait_exit() == 0);
  auto out = check.log();
  CHECK(out.find("github: enabled") != std::string::npos);
  CHECK(out.find("https://cvat.example.com/api/auth/github/login/callback/") != std::string::npos);
  CHECK(out.find("the-very-secret-value") == std::string::npos);
}

TEST_CASE("SIGTERM: the replica stops and exits 0", "[e2e][shutdown]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  env.replica_process(0).signal(SIGTERM);
  CHECK(env.replica_process(0).wait_exit() == 0);
  CHECK(env.replica_process(0).log().find("\"event\":\"stopped\"") != std::string::npos);
}
