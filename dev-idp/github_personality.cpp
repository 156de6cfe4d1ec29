#include "dev-idp/github_personality.hpp"

#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/html.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace sg::dev {
namespace {
using json = nlohmann::json;

std::string with_query(const std::string& uri, const query_params& params) {
  return uri + (uri.find('?') == std::string::npos ? "?" : "&") + build_query(params);
}

void token_reply(const httplib::Request& req, httplib::Response& res, const query_params& fields) {
  res.status = 200;  // GitHub answers errors with 200 too
  if (req.get_header_value("Accept").find("application/json") != std::string::npos) {
    json doc = json::object();
    for (const auto& [k, v] : fields) doc[k] = v;
    res.set_content(doc.dump(), "application/json; charset=utf-8");
  } else {
    res.set_content(build_query(fields), "application/x-www-form-urlencoded; charset=utf-8");
  }
}

void token_error(const httplib::Request& req, httplib::Response& res, const std::string& error,
                 const std::string& description) {
  log_event(log_level::info, "dev_idp_token_error", {{"error", error}});
  token_reply(req, res, {{"error", error}, {"error_description", description},
                         {"error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"}});
}

// The form parameters, from the body (GitHub's documented way) or the query string.
std::string form_value(const httplib::Request& req, const query_params& form, const std::string& name) {
  if (auto v = find_param(form, name)) return *v;
  return req.get_param_value(name);
}

std::string consent_page(const httplib::Request& req, const std::vector<dev_user>& users) {
  query_params kept;
  for (const auto& [k, v] : req.params)
    if (k != "dev_login" && k != "dev_deny") kept.emplace_back(k, v);
  std::string hidden;
  for (const auto& [k, v] : kept)
    hidden += "<input type=\"hidden\" name=\"" + html_escape(k) + "\" value=\"" + html_escape(v) + "\">";
  std::string buttons;
  for (const auto& user : users)
    buttons += "<button name=\"dev_login\" value=\"" + html_escape(user.login) + "\">" + html_escape(user.login) +
               " (" + html_escape(user.name) + ")</button><br>";
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Dev IdP: authorize</title></head><body>"
         "<h1>socialgate development IdP (GitHub)</h1><p>Sign in as:</p>"
         "<form method=\"get\" action=\"/login/oauth/authorize\">" + hidden + buttons +
         "<p><input name=\"dev_login\" placeholder=\"any login\"> <button>Continue</button></p>"
         "<p><button name=\"dev_deny\" value=\"1\">Cancel (access_denied)</button></p></form></body></html>";
}

std::optional<dev_user> bearer_user(const httplib::Request& req, idp_state& state) {
  auto header = req.get_header_value("Authorization");
  for (const char* scheme : {"token ", "Bearer ", "bearer "})
    if (header.rfind(scheme, 0) == 0) return state.user_for_token(header.substr(std::strlen(scheme)));
  return std::nullopt;
}

// GitHub's API refuses requests without a User-Agent, and unknown tokens with 401.
std::optional<dev_user> api_user(const httplib::Request& req, httplib::Response& res, idp_state& state) {
  ++state.user_requests;
  if (req.path.rfind("/api/v3/", 0) == 0) ++state.enterprise_api_requests;
  if (req.get_header_value("User-Agent").empty()) {
    res.status = 403;
    res.set_content(R"({"message":"Request forbidden by administrative rules. Please make sure your request has a User-Agent header"})",
                    "application/json");
    return std::nullopt;
  }
  auto user = bearer_user(req, state);
  if (!user) {
    res.status = 401;
    res.set_content(R"({"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"})", "application/json");
  }
  return user;
}

}  // namespace

void install_github_personality(httplib::Server& server, idp_state& state, github_options options) {
  server.Get("/login/oauth/authorize", [&state, options](const httplib::Request& req, httplib::Response& res) {
    ++state.authorize_requests;
    auto client = state.client(req.get_param_value("client_id"));
    auto redirect_uri = req.get_param_value("redirect_uri");
    if (!client || redirect_uri.empty() ||
        (!client->callback_prefix.empty() && redirect_uri.rfind(client->callback_prefix, 0) != 0)) {
      res.status = 400;
      res.set_content("The client_id is unknown or the redirect_uri does not match the registered callback.",
                      "text/plain");
      return;
    }
    auto state_param = req.get_param_value("state");
    if (req.has_param("dev_deny")) {
      res.set_redirect(with_query(redirect_uri, {{"error", "access_denied"},
                                                 {"error_description", "The user has denied your application access."},
                                                 {"state", state_param}}));
      return;
    }
    if (!req.has_param("dev_login") || req.get_param_value("dev_login").empty()) {
      res.set_content(consent_page(req, state.users()), "text/html; charset=utf-8");
      return;
    }
    auto user = state.user(req.get_param_value("dev_login"), options.auto_create_users);
    if (!user) {
      res.status = 404;
      res.set_content("No such user.", "text/plain");
      return;
    }
    auto code = state.issue_code({client->id, redirect_uri, user->login, req.get_param_value("code_challenge"),
                                  req.get_param_value("code_challenge_method"),
                                  std::chrono::steady_clock::now() + std::chrono::seconds(options.code_lifetime_seconds), ""});
    res.set_redirect(with_query(redirect_uri, {{"code", code}, {"state", state_param}}));
  });

  server.Post("/login/oauth/access_token", [&state](const httplib::Request& req, httplib::Response& res) {
    ++state.token_requests;
    auto form = parse_form(req.body).value_or(query_params{});
    auto client_id = form_value(req, form, "client_id");
    auto client_secret = form_value(req, form, "client_secret");
    auto client = state.client(client_id);
    if (!client || !constant_time_equal(client->secret, client_secret))
      return token_error(req, res, "incorrect_client_credentials",
                         "The client_id and/or client_secret passed are incorrect.");
    auto code = state.take_code(form_value(req, form, "code"));
    if (!code || code->client_id != client_id)
      return token_error(req, res, "bad_verification_code", "The code passed is incorrect or expired.");
    auto redirect_uri = form_value(req, form, "redirect_uri");
    if (!redirect_uri.empty() && redirect_uri != code->redirect_uri)
      return token_error(req, res, "redirect_uri_mismatch",
                         "The redirect_uri MUST match the registered callback URL for this application.");
    if (!code->code_challenge.empty()) {
      auto verifier = form_value(req, form, "code_verifier");
      bool s256 = code->code_challenge_method == "S256";
      auto computed = s256 ? pkce_s256_challenge(verifier) : verifier;
      if (verifier.empty() || !constant_time_equal(computed, code->code_challenge))
        return token_error(req, res, "bad_verification_code", "The code_verifier does not match the code_challenge.");
    }
    token_reply(req, res, {{"access_token", state.issue_token(code->login)},
                           {"scope", "read:user,user:email"},
                           {"token_type", "bearer"}});
  });

  auto user_handler = [&state](const httplib::Request& req, httplib::Response& res) {
    auto user = api_user(req, res, state);
    if (!user) return;
    std::string public_email;
    for (const auto& e : user->emails)
      if (e.primary) public_email = e.email;
    json doc = {{"login", user->login}, {"id", user->id},     {"node_id", "U_" + std::to_string(user->id)},
                {"type", "User"},       {"name", user->name}, {"email", public_email.empty() ? json() : json(public_email)}};
    res.set_content(doc.dump(), "application/json; charset=utf-8");
  };
  auto emails_handler = [&state](const httplib::Request& req, httplib::Response& res) {
    auto user = api_user(req, res, state);
    if (!user) return;
    json list = json::array();
    for (const auto& e : user->emails)
      list.push_back({{"email", e.email}, {"primary", e.primary}, {"verified", e.verified}, {"visibility", e.primary ? "public" : json()}});
    res.set_content(list.dump(), "application/json; charset=utf-8");
  };
  for (const std::string prefix : {"", "/api/v3"}) {
    server.Get(prefix + "/user", user_handler);
    server.Get(prefix + "/user/emails", emails_handler);
  }
}

}  // namespace sg::dev
