#include "loadtest/virtual_user.hpp"

#include <httplib.h>

#include <chrono>

#include "core/url.hpp"

namespace sg::load {
namespace {
double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
std::pair<std::string, std::string> split(const std::string& url) {
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}
}  // namespace

virtual_user::virtual_user(int index, const load_options& options, recorder& results, std::atomic<unsigned>& round_robin)
    : index_(index), options_(options), results_(results), round_robin_(round_robin) {}

virtual_user::~virtual_user() = default;

const std::string& virtual_user::next_target() {
  return options_.targets[round_robin_.fetch_add(1) % options_.targets.size()];
}

httplib::Client& virtual_user::client_for(const std::string& origin) {
  auto& client = clients_[origin];
  if (!client) {
    client = std::make_unique<httplib::Client>(origin);
    client->set_keep_alive(true);
    client->set_connection_timeout(5, 0);
    client->set_read_timeout(30, 0);
    client->set_follow_location(false);
    client->set_tcp_nodelay(true);
  }
  return *client;
}

virtual_user::response virtual_user::get(const std::string& url, bool send_cookies) {
  auto [origin, target] = split(url);
  // The public site is served by the replicas, in turn: that is the load balancer.
  if (origin == options_.site) origin = next_target();
  httplib::Headers headers{{"User-Agent", "socialgate-loadtest/1.0"}, {"Accept", "application/json"}};
  if (send_cookies && !cookies_.empty()) {
    std::string header;
    for (const auto& [k, v] : cookies_) header += (header.empty() ? "" : "; ") + k + "=" + v;
    headers.emplace("Cookie", header);
  }
  auto result = client_for(origin).Get(target.c_str(), headers);
  response out;
  if (!result) return out;
  out.ok = true;
  out.status = result->status;
  out.location = result->get_header_value("Location");
  if (send_cookies)
    for (const auto& [k, v] : result->headers) {
      if (strcasecmp(k.c_str(), "Set-Cookie") != 0) continue;
      auto eq = v.find('='), semi = v.find(';');
      cookies_[v.substr(0, eq)] = v.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
    }
  return out;
}

bool virtual_user::run_once(int iteration) {
  auto started = std::chrono::steady_clock::now();
  auto start = get(next_target() + "/api/auth/" + options_.provider + "/login/", true);
  if (!start.ok || start.status != 302) {
    results_.failure(start.ok ? "start:" + std::to_string(start.status) : "start:network");
    return false;
  }
  // Distinct names, so that accounts are created (as on a launch day).
  auto name = options_.user_prefix + "-" + std::to_string(index_) + "-" + std::to_string(iteration);
  auto idp = get(start.location + "&dev_login=" + url_encode(name), false);
  if (!idp.ok || idp.status != 302) {
    results_.failure(idp.ok ? "idp:" + std::to_string(idp.status) : "idp:network");
    return false;
  }
  auto callback = get(idp.location, true);
  if (!callback.ok || callback.status != 302) {
    results_.failure(callback.ok ? "callback:" + std::to_string(callback.status) : "callback:network");
    return false;
  }
  results_.login(ms_since(started));
  for (int i = 0; i < options_.checks_per_login; ++i) check_once();
  return true;
}

bool virtual_user::check_once() {
  auto started = std::chrono::steady_clock::now();
  auto verify = get(next_target() + "/api/auth/verify", true);
  if (!verify.ok || verify.status != 200) {
    results_.failure(verify.ok ? "check:" + std::to_string(verify.status) : "check:network");
    return false;
  }
  results_.check(ms_since(started));
  return true;
}

}  // namespace sg::load
