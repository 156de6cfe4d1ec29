#include "dev-idp/oidc_personality.hpp"

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/crypto.hpp"
#include "core/html.hpp"
#include "core/url.hpp"
#include "dev-idp/jwt_signer.hpp"

namespace sg::dev {
namespace {
using json = nlohmann::json;

struct personality {
  oidc_options options;
  idp_state& state;
  std::mutex mutex;
  signing_key key;
  int generation = 1;
  std::string misbehaviour;

  personality(oidc_options o, idp_state& s)
      : options(std::move(o)), state(s), key(signing_key::generate(options.alg, kid_for(1))) {}

  std::string kid_for(int generation) const { return options.prefix.substr(1) + "-key-" + std::to_string(generation); }
  std::string issuer() const { return state.base_url + options.prefix; }
  std::string path(const std::string& standard, const std::string& cognito) const {
    return options.prefix + (options.cognito_layout ? cognito : standard);
  }
  std::string mode() {
    std::lock_guard lock(mutex);
    return misbehaviour;
  }
};

void json_reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

std::string primary_email(const dev_user& user, bool* verified) {
  for (const auto& e : user.emails)
    if (e.primary) {
      *verified = e.verified;
      return e.email;
    }
  *verified = false;
  return "";
}

json user_claims(personality& p, const dev_user& user) {
  bool verified = false;
  auto email = primary_email(user, &verified);
  auto space = user.name.find(' ');
  json claims = {{"sub", "sub-" + std::to_string(user.id)},
                 {"email", email},
                 {"name", user.name},
                 {"given_name", user.name.substr(0, space)},
                 {"family_name", space == std::string::npos ? "" : user.name.substr(space + 1)},
                 {"preferred_username", user.login}};
  if (p.options.cognito_layout) {
    claims["email_verified"] = verified ? "true" : "false";  // Cognito sends a string
    claims["cognito:username"] = user.login;
    claims.erase("preferred_username");
  } else {
    claims["email_verified"] = verified;
  }
  return claims;
}

// Client authentication: HTTP Basic (client_secret_basic) or form fields (client_secret_post).
std::optional<std::string> authenticated_client(const httplib::Request& req, const query_params& form, idp_state& state) {
  std::string id, secret;
  auto header = req.get_header_value("Authorization");
  if (header.rfind("Basic ", 0) == 0) {
    auto decoded = base64url_decode([&] {
      std::string b = header.substr(6);
      for (auto& c : b) c = c == '+' ? '-' : c == '/' ? '_' : c;
      return b;
    }());
    if (!decoded) return std::nullopt;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return std::nullopt;
    id = url_decode(decoded->substr(0, colon), true).value_or("");
    secret = url_decode(decoded->substr(colon + 1), true).value_or("");
  } else {
    id = find_param(form, "client_id").value_or("");
    secret = find_param(form, "client_secret").value_or("");
  }
  auto client = state.client(id);
  if (!client || !constant_time_equal(client->secret, secret)) return std::nullopt;
  return id;
}

// The same server under another origin: 127.0.0.1 and localhost are different hosts to an
// origin check, but both reach a dev IdP listening on the loopback address.
std::string other_origin(const std::string& base) {
  const std::string loopback = "://127.0.0.1:";
  auto at = base.find(loopback);
  if (at != std::string::npos) return base.substr(0, at) + "://localhost:" + base.substr(at + loopback.size());
  auto colon = base.rfind(':');
  return "http://127.0.0.1" + base.substr(colon);
}

}  // namespace

void install_oidc_personality(httplib::Server& server, idp_state& state, oidc_options options) {
  auto p = std::make_shared<personality>(options, state);
  auto prefix = options.prefix;

  server.Get(prefix + "/.well-known/openid-configuration", [p](const httplib::Request&, httplib::Response& res) {
    auto base = p->state.base_url;
    auto mode = p->mode();
    // A hostile document: the token endpoint on another origin that still reaches this IdP (so
    // a test can count whether the client secret arrived), or a script URL to send browsers to.
    auto authorization = mode == "javascript-endpoint" ? std::string("javascript:alert(document.domain)//")
                                                       : base + p->path("/authorize", "/oauth2/authorize");
    auto token_base = mode == "foreign-endpoints" ? other_origin(base) : base;
    json_reply(res, 200,
               {{"issuer", p->issuer()},
                {"authorization_endpoint", authorization},
                {"token_endpoint", token_base + p->path("/token", "/oauth2/token")},
                {"userinfo_endpoint", base + p->path("/userinfo", "/oauth2/userInfo")},
                {"jwks_uri", base + p->path("/jwks", "/.well-known/jwks.json")},
                {"response_types_supported", {"code"}},
                {"subject_types_supported", {"public"}},
                {"id_token_signing_alg_values_supported", {p->options.alg}},
                {"code_challenge_methods_supported", {"S256"}},
                {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
                {"authorization_response_iss_parameter_supported", !p->options.cognito_layout}});
  });

  server.Get(p->path("/jwks", "/.well-known/jwks.json"), [p](const httplib::Request&, httplib::Response& res) {
    ++p->state.jwks_requests;
    std::lock_guard lock(p->mutex);
    json_reply(res, 200, {{"keys", {p->key.public_jwk()}}});
  });

  server.Get(p->path("/authorize", "/oauth2/authorize"), [p](const httplib::Request& req, httplib::Response& res) {
    ++p->state.authorize_requests;
    auto client = p->state.client(req.get_param_value("client_id"));
    auto redirect_uri = req.get_param_value("redirect_uri");
    if (!client || redirect_uri.empty() ||
        (!client->callback_prefix.empty() && redirect_uri.rfind(client->callback_prefix, 0) != 0)) {
      res.status = 400;
      res.set_content("unknown client_id or redirect_uri", "text/plain");
      return;
    }
    if (req.get_param_value("response_type") != "code" || req.get_param_value("scope").find("openid") == std::string::npos) {
      res.set_redirect(redirect_uri + "?" + build_query({{"error", "invalid_request"}, {"state", req.get_param_value("state")}}));
      return;
    }
    query_params back = {{"state", req.get_param_value("state")}};
    auto mode = p->mode();
    if (mode == "wrong-iss") back.emplace_back("iss", "https://evil.example");
    else if (mode != "no-iss" && !p->options.cognito_layout) back.emplace_back("iss", p->issuer());
    if (req.has_param("dev_deny")) {
      back.emplace_back("error", "access_denied");
      res.set_redirect(redirect_uri + "?" + build_query(back));
      return;
    }
    if (req.get_param_value("dev_login").empty()) {
      // A GET form that keeps every authorize parameter (hidden inputs), so a person (or a
      // browser test) picks a user and the IdP sees the whole authorize request again.
      std::string hidden, buttons;
      for (const auto& [k, v] : req.params)
        if (k != "dev_login" && k != "dev_deny")
          hidden += "<input type=\"hidden\" name=\"" + html_escape(k) + "\" value=\"" + html_escape(v) + "\">";
      for (const auto& user : p->state.users())
        buttons += "<button name=\"dev_login\" value=\"" + html_escape(user.login) + "\">" + html_escape(user.login) +
                   " (" + html_escape(user.name) + ")</button><br>";
      auto personality = html_escape(p->options.prefix.substr(1));
      res.set_content("<!doctype html><html><head><meta charset=\"utf-8\"><title>Dev IdP: authorize</title></head><body>"
                      "<h1>socialgate development IdP (" + personality + ")</h1><p>Sign in as:</p>"
                      "<form method=\"get\" action=\"" + html_escape(req.path) + "\">" + hidden + buttons +
                      "<p><input name=\"dev_login\" placeholder=\"any login\"> <button>Continue</button></p>"
                      "<p><button name=\"dev_deny\" value=\"1\">Cancel (access_denied)</button></p></form></body></html>",
                      "text/html; charset=utf-8");
      return;
    }
    auto user = p->state.user(req.get_param_value("dev_login"), true);
    if (!user) {
      res.status = 404;
      return;
    }
    auto code = p->state.issue_code({client->id, redirect_uri, user->login, req.get_param_value("code_challenge"),
                                     req.get_param_value("code_challenge_method"),
                                     std::chrono::steady_clock::now() + std::chrono::seconds(600),
                                     req.get_param_value("nonce")});
    back.insert(back.begin(), {"code", code});
    res.set_redirect(redirect_uri + "?" + build_query(back));
  });

  server.Post(p->path("/token", "/oauth2/token"), [p](const httplib::Request& req, httplib::Response& res) {
    ++p->state.token_requests;
    auto form = parse_form(req.body).value_or(query_params{});
    auto client_id = authenticated_client(req, form, p->state);
    if (!client_id) return json_reply(res, 401, {{"error", "invalid_client"}});
    if (find_param(form, "grant_type").value_or("") != "authorization_code")
      return json_reply(res, 400, {{"error", "unsupported_grant_type"}});
    auto code = p->state.take_code(find_param(form, "code").value_or(""));
    if (!code || code->client_id != *client_id) return json_reply(res, 400, {{"error", "invalid_grant"}});
    if (find_param(form, "redirect_uri").value_or("") != code->redirect_uri)
      return json_reply(res, 400, {{"error", "invalid_grant"}, {"error_description", "redirect_uri mismatch"}});
    if (!code->code_challenge.empty()) {
      auto verifier = find_param(form, "code_verifier").value_or("");
      if (verifier.empty() || !constant_time_equal(pkce_s256_challenge(verifier), code->code_challenge))
        return json_reply(res, 400, {{"error", "invalid_grant"}, {"error_description", "PKCE verification failed"}});
    }
    auto user = p->state.user(code->login, false);
    if (!user) return json_reply(res, 400, {{"error", "invalid_grant"}});
    auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto claims = user_claims(*p, *user);
    claims.update(json{{"iss", p->issuer()}, {"aud", *client_id}, {"exp", now + 300}, {"iat", now}, {"nonce", code->nonce}});
    auto mode = p->mode();
    if (mode == "other-audience") claims["aud"] = "someone-else";
    if (mode == "expired") claims.update(json{{"exp", now - 3600}, {"iat", now - 4000}});
    if (mode == "wrong-nonce") claims["nonce"] = "not-the-nonce";
    std::string id_token;
    {
      std::lock_guard lock(p->mutex);
      if (mode == "alg-none") id_token = p->key.sign_with_alg_none(claims);
      else if (mode == "hmac") id_token = p->key.sign_hmac_with_public_key(claims);
      else if (mode == "unknown-kid") id_token = p->key.sign_with_kid(claims, "no-such-key");
      else id_token = p->key.sign(claims);
    }
    if (mode == "bad-signature") {
      auto& last = id_token[id_token.size() - 2];
      last = last == 'A' ? 'B' : 'A';
    }
    json_reply(res, 200, {{"access_token", p->state.issue_token(user->login)}, {"token_type", "Bearer"},
                          {"expires_in", 3600}, {"id_token", id_token}});
  });

  server.Get(p->path("/userinfo", "/oauth2/userInfo"), [p](const httplib::Request& req, httplib::Response& res) {
    ++p->state.user_requests;
    auto header = req.get_header_value("Authorization");
    auto user = header.rfind("Bearer ", 0) == 0 ? p->state.user_for_token(header.substr(7)) : std::nullopt;
    if (!user) return json_reply(res, 401, {{"error", "invalid_token"}});
    auto claims = user_claims(*p, *user);
    if (p->mode() == "sub-mismatch") claims["sub"] = "someone-else";
    json_reply(res, 200, claims);
  });

  // ?same_kid=1 replaces the key but keeps its kid, as some IdPs do: relying parties that only
  // refetch on an unknown kid keep the old key until their scheduled refresh.
  server.Post(prefix + "/_dev/rotate-keys", [p](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(p->mutex);
    auto kid = req.get_param_value("same_kid") == "1" ? p->key.kid() : p->kid_for(++p->generation);
    p->key = signing_key::generate(p->options.alg, kid);
    res.set_content(json{{"kid", p->key.kid()}}.dump(), "application/json");
  });
  server.Post(prefix + "/_dev/misbehave", [p](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(p->mutex);
    p->misbehaviour = req.get_param_value("mode");
    res.set_content(json{{"mode", p->misbehaviour}}.dump(), "application/json");
  });
}

}  // namespace sg::dev
