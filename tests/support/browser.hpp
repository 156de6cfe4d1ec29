#pragma once
// A browser as far as socialgate can tell: a cookie jar for the site, no cookies for the IdP,
// redirects not followed (the tests look at each one). `site_origin` is the public base URL
// (the load balancer); requests to it go to the replica the test chooses. Replicas addressed
// directly belong to the site too; only `idp_origin` is a third party.
#include <map>
#include <string>
#include <vector>

namespace sg::test {

struct http_result {
  int status = 0;
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  // The Set-Cookie line for `name`, or "".
  std::string set_cookie(const std::string& name) const;
};

class browser {
 public:
  explicit browser(std::string site_origin, std::string idp_origin = "",
                   std::string user_agent = "sg-test-browser/1.0")
      : site_origin_(std::move(site_origin)), idp_origin_(std::move(idp_origin)), user_agent_(std::move(user_agent)) {}

  // `replica` ("http://127.0.0.1:PORT") serves requests addressed to the site origin.
  http_result get(const std::string& url, const std::string& replica = "",
                  const std::map<std::string, std::string>& headers = {});
  http_result post(const std::string& url, const std::string& body, const std::string& content_type,
                   const std::string& replica = "", const std::map<std::string, std::string>& headers = {});

  http_result send_delete(const std::string& url, const std::map<std::string, std::string>& headers = {},
                          const std::string& replica = "") {
    return send("DELETE", url, "", "", replica, headers);
  }

  std::map<std::string, std::string> cookies;  // the site's cookies

 private:
  http_result send(const std::string& method, const std::string& url, const std::string& body,
                   const std::string& content_type, const std::string& replica,
                   const std::map<std::string, std::string>& headers);
  std::string site_origin_;
  std::string idp_origin_;
  std::string user_agent_;
};

// Splits "http://host:port/path?query" into origin and the rest.
std::pair<std::string, std::string> split_url(const std::string& url);

}  // namespace sg::test
