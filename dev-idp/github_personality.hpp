#pragma once
// GitHub's OAuth wire protocol, as github.com and GitHub Enterprise speak it:
//   GET  /login/oauth/authorize       consent page (or `dev_login=<name>` to approve at once)
//   POST /login/oauth/access_token    form body; JSON or form reply by Accept; errors as HTTP 200
//   GET  /user, /user/emails          also under /api/v3 (Enterprise)
#include <httplib.h>

#include "dev-idp/idp_state.hpp"

namespace sg::dev {

struct github_options {
  bool auto_create_users = true;
  int code_lifetime_seconds = 600;
};

void install_github_personality(httplib::Server& server, idp_state& state, github_options options);

}  // namespace sg::dev
