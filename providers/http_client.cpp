#include "providers/http_client.hpp"

#include <httplib.h>

#include <map>
#include <memory>

#include "providers/provider.hpp"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "cpp-httplib must be used with the defines from its pkg-config file (CPPHTTPLIB_OPENSSL_SUPPORT)"
#endif

namespace sg {

idp_response http_client::get(const std::string& url, const idp_headers& headers) const {
  return send("GET", url, headers, "", "");
}

idp_response http_client::post_form(const std::string& url, const query_params& form,
                                     const idp_headers& headers) const {
  return send("POST", url, headers, build_query(form), "application/x-www-form-urlencoded");
}

idp_response http_client::send(const std::string& method, const std::string& url, const idp_headers& headers,
                                const std::string& body, const std::string& content_type) const {
  auto parts = parse_http_url(url);
  if (!parts) throw provider_error(provider_error::kind::bad_response, "invalid IdP URL");
  if (parts->scheme != "https" && !settings_.allow_insecure_http)
    throw provider_error(provider_error::kind::bad_response, "refusing a plain-http IdP URL");

  // One keep-alive connection per IdP origin and thread: each provider worker is a detached
  // actor with a thread of its own, so a worker reuses its connections (no TCP and TLS
  // handshake per call) and no two calls ever share one.
  thread_local std::map<std::string, std::unique_ptr<httplib::Client>> clients;
  auto key = parts->origin() + "|" + settings_.ca_file + "|" + std::to_string(settings_.read_timeout_seconds);
  auto& slot = clients[key];
  if (!slot) {
    slot = std::make_unique<httplib::Client>(parts->origin());
    slot->set_keep_alive(true);
    slot->set_connection_timeout(settings_.connect_timeout_seconds, 0);
    slot->set_read_timeout(settings_.read_timeout_seconds, 0);
    slot->set_write_timeout(settings_.read_timeout_seconds, 0);
    slot->set_follow_location(false);
    slot->set_tcp_nodelay(true);
    slot->enable_server_certificate_verification(true);
    if (!settings_.ca_file.empty()) slot->set_ca_cert_path(settings_.ca_file);
  }
  auto& client = *slot;

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
  if (too_large) {
    slot.reset();
    throw provider_error(provider_error::kind::bad_response,
                         "IdP response larger than " + std::to_string(settings_.max_response_bytes) + " bytes");
  }
  if (!ok) {
    slot.reset();  // a broken or timed-out connection is not reused
    throw provider_error(provider_error::kind::unavailable, "IdP request failed: " + httplib::to_string(error));
  }
  // After a server error the connection's state is not to be trusted: start afresh next time.
  if (response.status >= 500) slot.reset();
  idp_response out;
  out.status = response.status;
  out.body = std::move(received);
  out.content_type = response.get_header_value("Content-Type");
  return out;
}

}  // namespace sg
