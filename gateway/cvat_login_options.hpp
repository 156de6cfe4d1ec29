#pragma once
// CVAT's login-start parameters: `process` (login or connect), `scope` (extra scopes) and
// `auth_params` (extra authorize parameters as a query string). Scopes and parameters are
// accepted only from the provider's allow-lists, so a crafted link cannot widen what the
// user grants or smuggle `redirect_uri`, `state` or `client_id` into the authorize request.
#include <optional>
#include <string>
#include <vector>

#include "core/url.hpp"
#include "providers/provider_descriptor.hpp"

namespace sg {

struct cvat_login_options {
  std::string process = "login";
  std::vector<std::string> extra_scopes;
  query_params extra_params;
  std::string scope_text;        // as received, echoed to the CVAT UI
  std::string auth_params_text;  // as received, echoed to the CVAT UI
};

struct cvat_login_options_result {
  std::optional<cvat_login_options> options;
  std::string error;  // why they were refused
};

cvat_login_options_result parse_cvat_login_options(const std::string& process, const std::string& scope,
                                                   const std::string& auth_params, const provider_descriptor& idp);

}  // namespace sg
