#include "providers/http_client.hpp"

#include <httplib.h>

#include "providers/provider.hpp"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "cpp-httplib must be used with the defines from its pkg-config file (CPPHTTPLIB_OPENSSL_SUPPORT)"
#endif

namespace sg {

http_response http_client::get(const std::string& url, const http_headers& headers) const {
  return send("GET", url, headers, "", "");
}

http_response http_client::post_form(const std::string& url, const query_params& form,
                                     const http_headers& headers) const {
  return send("POST", url, headers, build_query(form), "application/x-www-form-urlencoded");
}

http_response http_client::send(const std::string& method, const std::string& url, const http_headers& headers,
                                const std::string& body, const std::string& content_type) const {
  auto parts = parse_http_url(url);
  if (!parts) throw provider_error(provider_error::kind::bad_response, "invalid IdP URL");
  if (parts->scheme != "https" && !settings_.allow_insecure_http)
    throw provider_error(provider_error::kind::bad_response, "refusing a plain-http IdP URL");

  httplib::Client client(parts->origin());
  client.set_connection_timeout(settings_.connect_timeout_seconds, 0);
  client.set_read_timeout(settings_.read_timeout_seconds, 0);
  client.set_write_timeout(settings_.read_timeout_seconds, 0);
  client.set_follow_location(false);
  client.enable_server_certificate_verification(true);
  if (!settings_.ca_file.empty()) client.set_ca_cert_path(settings_.ca_file);

  httplib::Request request;
  request.method = method;
  request.path = parts->path.empty() ? "/" : parts->path;
  for (const auto& [name, value] : headers) request.headers.emplace(name, value);
  if (request.headers.find("User-Agent") == request.headers.end())
    request.headers.emplace("User-Agent", settings_.user_agent);
  if (!content_type.empty()) {
    request.headers.emplace("Content-Type", content_type);
    request.body = body;
  }
  std::string received;
  bool too_large = false;
  request.content_receiver = [&](const char* data, size_t length, uint64_t, uint64_t) {
    if (received.size() + length > settings_.max_response_bytes) {
      too_large = true;
      return false;
    }
    received.append(data, length);
    return true;
  };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool ok = client.send(request, response, error);
  if (too_large)
    throw provider_error(provider_error::kind::bad_response,
                         "IdP response larger than " + std::to_string(settings_.max_response_bytes) + " bytes");
  if (!ok)
    throw provider_error(provider_error::kind::unavailable, "IdP request failed: " + httplib::to_string(error));
  http_response out;
  out.status = response.status;
  out.body = std::move(received);
  out.content_type = response.get_header_value("Content-Type");
  return out;
}

}  // namespace sg
