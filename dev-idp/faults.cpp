#include "dev-idp/faults.hpp"

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <string_view>
#include <thread>

namespace sg::dev {

fault_settings fault_switches::get(const std::string& target) const {
  std::lock_guard lock(mutex_);
  auto it = settings_.find(target);
  return it == settings_.end() ? fault_settings{} : it->second;
}

void fault_switches::set(const std::string& target, fault_settings settings) {
  std::lock_guard lock(mutex_);
  settings_[target] = settings;
}

std::string fault_target(const std::string& path) {
  if (path.rfind("/_dev", 0) == 0 || path.find("/authorize") != std::string::npos) return "";
  for (const char* prefix : {"/google", "/cognito", "/oidc"})
    if (path.rfind(prefix, 0) == 0) {
      if (path.find("/_dev/") != std::string::npos) return "";
      return prefix + 1;
    }
  return "github";
}

bool is_user_call(const std::string& path) {
  auto ends_with = [&](std::string_view tail) {
    return path.size() >= tail.size() && path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends_with("/user") || ends_with("/userinfo") || ends_with("/userInfo");
}

void install_fault_injection(httplib::Server& server, fault_switches& switches) {
  server.Post("/_dev/faults", [&switches](const httplib::Request& req, httplib::Response& res) {
    auto target = req.get_param_value("target");
    if (target != "github" && target != "google" && target != "cognito" && target != "oidc") {
      res.status = 400;
      res.set_content("target must be github, google, cognito or oidc", "text/plain");
      return;
    }
    fault_settings f;
    auto flag = [&](const char* name) { return req.get_param_value(name) == "1" || req.get_param_value(name) == "true"; };
    try {
      if (req.has_param("latency_ms")) f.latency_ms = std::stoi(req.get_param_value("latency_ms"));
      if (req.has_param("error_rate")) f.error_rate = std::stod(req.get_param_value("error_rate"));
    } catch (const std::exception&) {
      res.status = 400;
      return;
    }
    f.hang = flag("hang");
    f.close_mid_body = flag("close_mid_body");
    f.oversize = flag("oversize");
    f.malformed = flag("malformed");
    f.bad_utf8 = flag("bad_utf8");
    switches.set(target, f);
    res.set_content(nlohmann::json{{"target", target}, {"latency_ms", f.latency_ms}, {"error_rate", f.error_rate},
                                   {"hang", f.hang}, {"close_mid_body", f.close_mid_body}, {"oversize", f.oversize},
                                   {"malformed", f.malformed}, {"bad_utf8", f.bad_utf8}}.dump(),
                    "application/json");
  });

  server.set_pre_routing_handler([&switches](const httplib::Request& req, httplib::Response& res) {
    auto target = fault_target(req.path);
    if (target.empty()) return httplib::Server::HandlerResponse::Unhandled;
    auto f = switches.get(target);
    // Answers made here come before cpp-httplib reads a request body: an unread POST body
    // would be taken for the next request on a keep-alive connection. Close it instead.
    auto handled = [&res] {
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    };
    if (f.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(f.latency_ms));  // injected latency
    if (f.hang) {
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
      while (switches.get(target).hang && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // hanging on purpose
      res.status = 504;
      return handled();
    }
    thread_local std::mt19937 random(std::random_device{}());
    if (f.error_rate > 0 && std::uniform_real_distribution<double>(0, 1)(random) < f.error_rate) {
      res.status = 503;
      res.set_content(R"({"message":"injected failure"})", "application/json");
      return handled();
    }
    if (f.malformed) {
      res.set_content("{\"access_token\": \"truncated", "application/json");
      return handled();
    }
    if (f.bad_utf8 && is_user_call(req.path)) {
      // Well-formed JSON except for the bytes of one string: 0xFF and an overlong slash.
      res.set_content("{\"id\": 1, \"sub\": \"1\", \"login\": \"octo\xFF\xC0\xAF" "cat\", "
                      "\"email\": \"octocat@example.com\", \"email_verified\": true}",
                      "application/json");
      return handled();
    }
    if (f.oversize) {
      res.set_content("{\"padding\": \"" + std::string(3 << 20, 'x') + "\"}", "application/json");
      return handled();
    }
    if (f.close_mid_body) {
      // Promise 4096 bytes, send 100, then drop the connection.
      res.set_content_provider(4096, "application/json", [](size_t offset, size_t, httplib::DataSink& sink) {
        if (offset > 0) return false;
        std::string part = "{\"access_token\": \"" + std::string(80, 'a');
        sink.write(part.data(), part.size());
        return false;
      });
      return handled();
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

}  // namespace sg::dev
