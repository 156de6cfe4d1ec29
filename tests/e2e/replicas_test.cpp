// Two replicas sharing one Redis: a login started on one finishes on the other; sessions and
// their revocation are seen by both at once.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"

using namespace sg::test;

TEST_CASE("a login started on replica A finishes on replica B and logout on B ends it on A", "[e2e][replicas]") {
  deployment_options options;
  options.replicas = 2;
  deployment env(options);
  auto b = env.new_browser();
  auto out = env.login(b, "octocat", 0, 1, "/tasks");
  REQUIRE(out.callback.status == 302);
  CHECK(out.callback.header("Location") == "/tasks");

  auto on_a = b.get(env.replica(0) + "/api/users/self");
  auto on_b = b.get(env.replica(1) + "/api/users/self");
  REQUIRE(on_a.status == 200);
  REQUIRE(on_b.status == 200);
  CHECK(nlohmann::json::parse(on_a.body)["id"] == nlohmann::json::parse(on_b.body)["id"]);
  CHECK(b.get(env.replica(0) + "/api/auth/verify").status == 200);

  auto session_id = b.cookies["sg_sessionid"];
  auto logout = b.post(env.replica(1) + "/api/auth/logout", "", "application/json", "",
                       {{"X-CSRFTOKEN", b.cookies["sg_csrftoken"]}});
  REQUIRE(logout.status == 200);
  // The browser dropped its cookie; replay the old one as an attacker would.
  browser replay(env.site());
  replay.cookies["sg_sessionid"] = session_id;
  CHECK(replay.get(env.replica(0) + "/api/auth/verify").status == 401);
  CHECK(replay.get(env.replica(0) + "/api/users/self").status == 401);
}
