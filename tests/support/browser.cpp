#include "support/browser.hpp"

#include <httplib.h>

#include <stdexcept>

namespace sg::test {

std::string http_result::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) return v;
  return "";
}

std::vector<std::string> http_result::all(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (strcasecmp(k.c_str(), name.c_str()) == 0) out.push_back(v);
  return out;
}

std::string http_result::set_cookie(const std::string& name) const {
  for (const auto& line : all("Set-Cookie"))
    if (line.rfind(name + "=", 0) == 0) return line;
  return "";
}

std::pair<std::string, std::string> split_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) throw std::runtime_error("not an absolute URL: " + url);
  auto path = url.find('/', scheme + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}

http_result browser::get(const std::string& url, const std::string& replica,
                         const std::map<std::string, std::string>& headers) {
  return send("GET", url, "", "", replica, headers);
}

http_result browser::post(const std::string& url, const std::string& body, const std::string& content_type,
                          const std::string& replica, const std::map<std::string, std::string>& headers) {
  return send("POST", url, body, content_type, replica, headers);
}

http_result browser::send(const std::string& method, const std::string& url, const std::string& body,
                          const std::string& content_type, const std::string& replica,
                          const std::map<std::string, std::string>& headers) {
  auto [origin, target] = split_url(url);
  bool site = origin != idp_origin_;
  std::string server = origin == site_origin_ && !replica.empty() ? replica : origin;

  httplib::Client client(server);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(20, 0);
  httplib::Headers request_headers{{"User-Agent", user_agent_}};
  if (!headers.count("Accept")) request_headers.emplace("Accept", "application/json");
  for (const auto& [k, v] : headers) request_headers.emplace(k, v);
  if (site && !cookies.empty()) {
    std::string cookie_header;
    for (const auto& [name, value] : cookies) cookie_header += (cookie_header.empty() ? "" : "; ") + name + "=" + value;
    request_headers.emplace("Cookie", cookie_header);
  }
  httplib::Request request;
  request.method = method;
  request.path = target;
  request.headers = request_headers;
  if (method == "POST") {
    request.body = body;
    request.headers.emplace("Content-Type", content_type.empty() ? "application/json" : content_type);
  }
  auto response = client.send(request);
  if (!response) throw std::runtime_error("HTTP request failed: " + method + " " + url + ": " + httplib::to_string(response.error()));
  http_result result;
  result.status = response->status;
  result.body = response->body;
  for (const auto& [k, v] : response->headers) result.headers.emplace(k, v);
  if (site) {
    for (const auto& line : result.all("Set-Cookie")) {
      auto eq = line.find('=');
      auto semi = line.find(';');
      auto name = line.substr(0, eq);
      auto value = line.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
      if (line.find("Max-Age=0") != std::string::npos) cookies.erase(name);
      else cookies[name] = value;
    }
  }
  return result;
}

}  // namespace sg::test
