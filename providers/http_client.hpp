#pragma once
// Outbound HTTP(S) to identity providers: certificate verification on, connect and read
// timeouts, a cap on the response size, no redirects followed.
#include <cstddef>
#include <map>
#include <string>

#include "core/url.hpp"

namespace sg {

struct http_client_settings {
  std::string ca_file;             // extra CA bundle; empty: the system store
  bool allow_insecure_http = false;
  int connect_timeout_seconds = 5;
  int read_timeout_seconds = 10;
  std::size_t max_response_bytes = 1 << 20;
  std::string user_agent = "socialgate/0.1";
};

// An IdP's answer to an outbound call (not the gateway's http_response: one name, one type).
struct idp_response {
  int status = 0;
  std::string body;
  std::string content_type;
};

using idp_headers = std::multimap<std::string, std::string>;

class http_client {
 public:
  explicit http_client(http_client_settings settings) : settings_(std::move(settings)) {}
  // Throws provider_error(unavailable) when the IdP cannot be reached or is too slow, and
  // provider_error(bad_response) when its answer is larger than the cap.
  idp_response get(const std::string& url, const idp_headers& headers) const;
  idp_response post_form(const std::string& url, const query_params& form, const idp_headers& headers) const;

 private:
  idp_response send(const std::string& method, const std::string& url, const idp_headers& headers,
                     const std::string& body, const std::string& content_type) const;
  http_client_settings settings_;
};

}  // namespace sg
