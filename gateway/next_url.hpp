#pragma once
// The `next` parameter: where the browser lands after login. Only a relative path on this
// site, or an absolute URL whose origin is allow-listed, is accepted (no open redirect).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

class next_url_policy {
 public:
  // `allowed_origins`: e.g. {"https://cvat.example.com"} (scheme://host[:port], lower case).
  explicit next_url_policy(std::vector<std::string> allowed_origins) : allowed_origins_(std::move(allowed_origins)) {}
  // The value to redirect to, or nullopt when it must be refused.
  std::optional<std::string> validate(std::string_view next) const;

 private:
  std::vector<std::string> allowed_origins_;
};

}  // namespace sg
