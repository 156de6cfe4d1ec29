// Hostile traffic against real replicas: rate limits shared through Redis, bounded login
// state, and oversized or malformed input on every endpoint.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/deployment.hpp"
#include "support/raw_http.hpp"
#include "support/wait.hpp"

using namespace sg;
using namespace sg::test;

namespace {
int login_start(deployment& env, std::size_t replica, const std::map<std::string, std::string>& headers = {}) {
  browser b(env.site(), env.idp_url());
  return b.get(env.replica(replica) + "/api/auth/github/login/", "", headers).status;
}
}  // namespace

TEST_CASE("rate limits hold across two replicas and reset", "[e2e][limits][security]") {
  deployment_options options;
  options.replicas = 2;
  options.env["SOCIAL_AUTH_RATE_LIMITS"] = "login=6/s,callback=50/m,token=50/m";
  deployment env(options);
  // Six starts, spread over both replicas, are allowed; the seventh, on either, is not.
  std::vector<int> statuses;
  for (int i = 0; i < 6; ++i) statuses.push_back(login_start(env, static_cast<std::size_t>(i % 2)));
  CHECK(statuses == std::vector<int>(6, 302));
  browser b(env.site(), env.idp_url());
  auto limited = b.get(env.replica(1) + "/api/auth/github/login/");
  CHECK(limited.status == 429);
  CHECK(std::stoi(limited.header("Retry-After")) >= 1);
  CHECK(nlohmann::json::parse(limited.body)["detail"].get<std::string>().find("Too many requests") != std::string::npos);
  CHECK(login_start(env, 0) == 429);
  // The window passes and the limit resets.
  CHECK(wait_until([&] { return login_start(env, 0) == 302; }, std::chrono::seconds(5)));
  CHECK(b.get(env.replica(0) + "/metrics").body.find("socialgate_rate_limited_total") != std::string::npos);
}

TEST_CASE("X-Forwarded-For counts only from a trusted proxy", "[e2e][limits][security]") {
  deployment_options options;
  options.env["SOCIAL_AUTH_RATE_LIMITS"] = "login=2/m";
  deployment env(options);
  // From an untrusted peer, varying the header does not buy more attempts.
  CHECK(login_start(env, 0, {{"X-Forwarded-For", "198.51.100.1"}}) == 302);
  CHECK(login_start(env, 0, {{"X-Forwarded-For", "198.51.100.2"}}) == 302);
  CHECK(login_start(env, 0, {{"X-Forwarded-For", "198.51.100.3"}}) == 429);
  // Behind a trusted proxy, each client has its own budget.
  auto proxied = env.start_replica({{"SOCIAL_AUTH_TRUSTED_PROXIES", "127.0.0.0/8"}});
  for (const char* client : {"198.51.100.10", "198.51.100.11"}) {
    CHECK(login_start(env, proxied, {{"X-Forwarded-For", client}}) == 302);
    CHECK(login_start(env, proxied, {{"X-Forwarded-For", client}}) == 302);
    CHECK(login_start(env, proxied, {{"X-Forwarded-For", client}}) == 429);
  }
}

TEST_CASE("a flood of login starts without callbacks leaves a bounded number of keys with TTLs", "[e2e][limits][security]") {
  deployment_options options;
  options.env["SOCIAL_AUTH_RATE_LIMITS"] = "off";
  options.env["SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS"] = "40";
  deployment env(options);
  auto& redis = env.redis().client();
  int accepted = 0, refused = 0;
  for (int i = 0; i < 150; ++i) {  // a fresh "browser" each time: no binding cookie
    auto status = login_start(env, 0);
    if (status == 302) ++accepted;
    else if (status == 429) ++refused;
  }
  CHECK(accepted == 40);
  CHECK(refused == 110);

  // One browser starting again and again keeps only its newest flows.
  auto other = env.start_replica({{"SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS", "100000"}});
  browser same(env.site(), env.idp_url());
  for (int i = 0; i < 60; ++i) REQUIRE(same.get(env.replica(other) + "/api/auth/github/login/").status == 302);

  auto keys = redis.command({"KEYS", "sg:*"});
  std::size_t flows = 0;
  for (const auto& key : keys.elements) {
    INFO(key.text);
    if (key.text.rfind("sg:flow:", 0) == 0) ++flows;
    if (key.text.rfind("sg:stats:", 0) == 0) continue;  // two global counters
    CHECK(redis.command({"TTL", key.text}).integer > 0);
  }
  CHECK(flows == 40 + 20);  // the flood's 40 and the browser's newest 20
  CHECK(keys.elements.size() <= flows * 2 + 8);
  auto metrics = same.get(env.replica(0) + "/metrics").body;
  CHECK(metrics.find("socialgate_flows_unfinished 100\n") != std::string::npos);
  CHECK(metrics.find("socialgate_flows_refused_total 110\n") != std::string::npos);
}

TEST_CASE("oversized and malformed input gets a 4xx on every endpoint and the replica keeps serving", "[e2e][limits][security]") {
  deployment env;
  auto b = env.new_browser();
  REQUIRE(env.login(b, "octocat").callback.status == 302);
  auto r0 = env.replica(0);
  browser anon(env.site(), env.idp_url());
  auto status_of = [&](const std::string& target, const std::map<std::string, std::string>& headers = {}) {
    return raw_get(r0, target, headers).status;
  };
  std::map<std::string, std::string> many_headers;
  for (int i = 0; i < 80; ++i) many_headers["X-Filler-" + std::to_string(i)] = "x";
  std::string many_params = "/api/auth/github/login/?";
  for (int i = 0; i < 100; ++i) many_params += "p" + std::to_string(i) + "=1&";

  for (const std::string path : {"/api/auth/github/login/", "/api/auth/github/login/callback/", "/api/users/self",
                                 "/api/auth/verify", "/api/auth/sessions", "/readyz"}) {
    INFO(path);
    auto code = status_of(path + "?x=" + std::string(20000, 'a'));
    CHECK(code >= 400);
    CHECK(code < 500);
    CHECK(status_of(path, many_headers) == 431);
    // A header line past the reader's limit (8 KiB) is refused while reading.
    CHECK(status_of(path, {{"X-Big", std::string(9000, 'b')}}) == 431);
    CHECK(status_of(path, {{"Cookie", std::string(9000, 'c')}}) >= 400);
  }
  CHECK(status_of(many_params) == 400);
  CHECK(status_of("/api/auth/github/login/?next=" + std::string(3000, '/')) == 400);
  CHECK(status_of("/api/auth/github/login/?next=%ff%fe") == 400);
  CHECK(status_of("/api/auth/github/login/callback/?state=" + std::string(1000, 's') + "&code=c") == 400);
  CHECK(status_of("/api/auth/github/login/callback/?state=s&code=" + std::string(3000, 'c')) == 400);
  CHECK(status_of("/api/users/self", {{"Authorization", "Token " + std::string(5000, 'k')}}) == 401);
  // Control characters in a header value are refused by the request reader (RFC 9110 field
  // values): a 400, never an authentication attempt.
  auto control = status_of("/api/users/self", {{"Authorization", "Bearer \x01\x02"}});
  CHECK((control == 400 || control == 401));
  CHECK(status_of("/api/users/self", {{"Cookie", "sg_sessionid=" + std::string(500, '%')}}) == 401);

  auto token = r0 + "/api/auth/github/login/token";
  CHECK(anon.post(token, std::string(100000, '{'), "application/json").status == 413);
  CHECK(anon.post(token, std::string(5000, '[') , "application/json").status == 400);
  CHECK(anon.post(token, "{\"code\": 5}", "application/json").status == 400);
  CHECK(anon.post(token, "code=%zz", "application/x-www-form-urlencoded").status == 400);
  CHECK(b.post(r0 + "/api/auth/logout", "{not json", "application/json", "", {{"X-CSRFTOKEN", b.cookies["sg_csrftoken"]}}).status == 400);
  CHECK(b.send_delete(r0 + "/api/auth/sessions/zzz").status == 404);

  // Still serving, and the session made before the barrage still works.
  CHECK(anon.get(r0 + "/healthz").status == 200);
  CHECK(b.get(r0 + "/api/users/self").status == 200);
  CHECK(env.login(b, "octocat").callback.status == 302);
  CHECK(env.replica_process(0).running());
}

TEST_CASE("invalid UTF-8 in a query or auth_params or a form or JSON body gets 400 and header values are left alone", "[e2e][limits][security][utf8]") {
  deployment env;
  auto r0 = env.replica(0);
  browser anon(env.site(), env.idp_url());
  auto says_utf8 = [](const http_result& r) {
    return r.status == 400 && nlohmann::json::parse(r.body)["detail"].get<std::string>().find("UTF-8") != std::string::npos;
  };
  // Query values and names, percent-decoded.
  CHECK(says_utf8(anon.get(r0 + "/api/auth/github/login/?auth_params=login%3D%FF")));  // was a 500
  CHECK(says_utf8(anon.get(r0 + "/api/auth/github/login/?scope=%C0%AF")));
  CHECK(says_utf8(anon.get(r0 + "/api/auth/github/login/?%ED%A0%80=1")));
  CHECK(says_utf8(anon.get(r0 + "/api/auth/github/login/callback/?state=%FF&code=c")));
  CHECK(says_utf8(anon.get(r0 + "/api/auth/oidc/select-idp/?email=a@%F4%90%80%80")));
  // auth_params is a query string of its own: its second decoding is checked too.
  CHECK(says_utf8(anon.get(r0 + "/api/auth/github/login/?auth_params=login%3D%25FF")));
  // Form bodies, percent-encoded or raw, and JSON bodies.
  auto token = r0 + "/api/auth/github/login/token";
  CHECK(says_utf8(anon.post(token, "code=%FF%FE", "application/x-www-form-urlencoded")));
  CHECK(says_utf8(anon.post(token, "code=\xC3", "application/x-www-form-urlencoded")));
  CHECK(says_utf8(anon.post(token, "{\"code\": \"\xFF\"}", "application/json")));
  CHECK(says_utf8(anon.post(r0 + "/api/auth/github/login/", "process=%FF", "application/x-www-form-urlencoded")));
  CHECK(anon.get(r0 + "/healthz").status == 200);
  CHECK(env.replica_process(0).running());

  // Header values are opaque bytes: a User-Agent that is not UTF-8 signs in and is listed.
  browser odd(env.site(), env.idp_url(), "agent \xFF\xFE");
  REQUIRE(env.login(odd, "octocat").callback.status == 302);
  auto sessions = odd.get(r0 + "/api/auth/sessions");
  CHECK(sessions.status == 200);
  CHECK(nlohmann::json::parse(sessions.body).size() == 1);
}
