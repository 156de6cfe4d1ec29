// The plain login page at / and /auth/login (reached only when socialgate itself is the
// front): one button per enabled provider, or the account page when the browser is signed in,
// so a person who just signed in never sees "Sign in" again and believes it failed.
#include "gateway/gateway.hpp"
#include "gateway/responses.hpp"

namespace sg {

task<void> gateway::login_page(http_request& req, http_response& res) {
  if (co_await authenticate(req)) co_return co_await account_page(req, res);
  auto next = next_policy_.validate(req.has_param("next") ? req.get_param_value("next") : "").value_or("/");
  send_page(res, 200, "Sign in", "<h1>Sign in</h1>\n" + sign_in_buttons(next));
}

}  // namespace sg
