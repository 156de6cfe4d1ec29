#include "core/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <sstream>

#include "core/log.hpp"
#include "core/text.hpp"
#include "core/url.hpp"

namespace sg {
namespace {

std::string strip_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

// An IdP or public URL must parse, and IdP URLs must be https unless explicitly allowed.
std::string checked_url(const std::string& variable, const std::string& value, bool idp,
                        bool allow_insecure) {
  auto parts = parse_http_url(value);
  if (!parts)
    throw config_error(variable, "'" + value + "' is not an http(s) URL like https://host[:port][/path]");
  if (idp && parts->scheme != "https" && !allow_insecure)
    throw config_error(variable, "'" + value +
                                     "' is not https; use https, or set SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True "
                                     "for development only");
  return strip_trailing_slashes(value);
}

void parse_listen(const std::string& value, service_config& config) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos)
    throw config_error("SOCIALGATE_LISTEN", "expected host:port such as 0.0.0.0:8080, got '" + value + "'");
  config.listen_host = value.substr(0, colon);
  if (config.listen_host.size() > 2 && config.listen_host.front() == '[')
    config.listen_host = config.listen_host.substr(1, config.listen_host.size() - 2);
  int port = -1;
  auto text = value.substr(colon + 1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc{} || end != text.data() + text.size() || port < 0 || port > 65535 ||
      config.listen_host.empty())
    throw config_error("SOCIALGATE_LISTEN", "expected host:port with a port from 0 to 65535, got '" + value + "'");
  config.listen_port = port;
}

// The default redirect_uri of a social provider, in the style SOCIAL_AUTH_CALLBACK_STYLE picks.
std::string social_callback(const service_config& config, const std::string& slug) {
  return config.base_url + (config.callback_style == "enterprise" ? "/api/auth/social/" : "/api/auth/") + slug +
         "/login/callback/";
}

// auth_config.yml's social_account blocks, seen through the environment's variable names: the
// file's value wins for the same provider (CVAT Enterprise reads only the file), and a secret
// given by the file hides the environment's NAME_FILE so the two cannot clash.
env_reader with_auth_config(const env_reader& env, const auth_config_file& file, service_config& config) {
  std::map<std::string, std::string> values;
  if (file.github) {
    values["SOCIAL_AUTH_GITHUB_CLIENT_ID"] = file.github->client_id;
    values["SOCIAL_AUTH_GITHUB_CLIENT_SECRET"] = file.github->client_secret;
  }
  if (file.google) {
    values["SOCIAL_AUTH_GOOGLE_CLIENT_ID"] = file.google->client_id;
    values["SOCIAL_AUTH_GOOGLE_CLIENT_SECRET"] = file.google->client_secret;
  }
  if (file.amazon_cognito) {
    values["SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID"] = file.amazon_cognito->client_id;
    values["SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET"] = file.amazon_cognito->client_secret;
    values["SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN"] = file.amazon_cognito->domain;
  }
  for (const auto& [name, value] : values) {
    if (!env.value(name) && !env.value(name + "_FILE")) continue;
    config.overridden_by_auth_config.push_back(name);
    log_event(log_level::warning, "auth_config_overrides_variable",
              {{"variable", name}, {"detail", "AUTH_CONFIG_PATH's social_account gives this value; the environment's is ignored"}});
  }
  return env_reader([&env, values](const std::string& name) -> std::optional<std::string> {
    if (auto it = values.find(name); it != values.end()) return it->second;
    const std::string suffix = "_FILE";
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
        values.count(name.substr(0, name.size() - suffix.size())))
      return std::nullopt;
    return env.value(name);
  });
}

std::optional<github_config> load_github(const env_reader& env, const service_config& config) {
  auto id = env.value("SOCIAL_AUTH_GITHUB_CLIENT_ID");
  auto secret = env.secret("SOCIAL_AUTH_GITHUB_CLIENT_SECRET");
  if (!id && !secret) return std::nullopt;
  if (!id)
    throw config_error("SOCIAL_AUTH_GITHUB_CLIENT_ID",
                       "missing while SOCIAL_AUTH_GITHUB_CLIENT_SECRET is set; set both to enable GitHub");
  if (!secret)
    throw config_error("SOCIAL_AUTH_GITHUB_CLIENT_SECRET",
                       "missing while SOCIAL_AUTH_GITHUB_CLIENT_ID is set; set it (or ..._FILE)");
  github_config gh;
  gh.client_id = *id;
  gh.client_secret = *secret;
  auto web = env.value("SOCIAL_AUTH_GITHUB_URL");
  gh.web_url = checked_url("SOCIAL_AUTH_GITHUB_URL", web.value_or("https://github.com"), true,
                           config.allow_insecure_http);
  if (auto api = env.value("SOCIAL_AUTH_GITHUB_API_URL"))
    gh.api_url = checked_url("SOCIAL_AUTH_GITHUB_API_URL", *api, true, config.allow_insecure_http);
  else
    gh.api_url = web ? gh.web_url + "/api/v3" : "https://api.github.com";
  // The redirect_uri must match the registered one to the byte: validate it, never rewrite it.
  gh.callback_url = env.value_or("GITHUB_CALLBACK_URL", social_callback(config, "github"));
  if (!parse_http_url(gh.callback_url))
    throw config_error("GITHUB_CALLBACK_URL", "'" + gh.callback_url + "' is not an http(s) URL");
  return gh;
}

// "login=60/m,callback=60/m,token=60/m"; units s, m, h. "off" disables every limit.
std::vector<rate_limit_rule> parse_rate_limits(const std::string& text) {
  const char* variable = "SOCIAL_AUTH_RATE_LIMITS";
  std::vector<rate_limit_rule> rules;
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "off") return rules;
  for (const auto& item : split_nonempty(text, ',')) {
    auto eq = item.find('='), slash = item.find('/');
    if (eq == std::string::npos || slash == std::string::npos || slash < eq)
      throw config_error(variable, "expected items like login=60/m, got '" + item + "'");
    rate_limit_rule rule;
    rule.bucket = item.substr(0, eq);
    if (rule.bucket != "login" && rule.bucket != "callback" && rule.bucket != "token")
      throw config_error(variable, "unknown limit '" + rule.bucket + "'; use login, callback or token");
    auto count = item.substr(eq + 1, slash - eq - 1);
    auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), rule.limit);
    if (ec != std::errc{} || ptr != count.data() + count.size() || rule.limit < 1)
      throw config_error(variable, "the count in '" + item + "' must be a positive whole number");
    auto unit = item.substr(slash + 1);
    if (unit == "s") rule.window_seconds = 1;
    else if (unit == "m") rule.window_seconds = 60;
    else if (unit == "h") rule.window_seconds = 3600;
    else throw config_error(variable, "the unit in '" + item + "' must be s, m or h");
    rules.push_back(rule);
  }
  return rules;
}

std::vector<ip_range> parse_trusted_proxies(const std::string& text) {
  std::vector<ip_range> ranges;
  for (const auto& piece : split_nonempty(text, ',')) {
    std::string item(trim(piece));
    if (item.empty()) continue;
    auto range = parse_ip_range(item);
    if (!range)
      throw config_error("SOCIAL_AUTH_TRUSTED_PROXIES", "'" + item + "' is not an IP address or CIDR range: name the address or network of the "
                                                    "reverse proxy in front of socialgate, e.g. 10.42.0.0/16");
    ranges.push_back(*range);
  }
  return ranges;
}

std::optional<google_config> load_google(const env_reader& env, const service_config& config) {
  auto id = env.value("SOCIAL_AUTH_GOOGLE_CLIENT_ID");
  auto secret = env.secret("SOCIAL_AUTH_GOOGLE_CLIENT_SECRET");
  if (!id && !secret) return std::nullopt;
  if (!id) throw config_error("SOCIAL_AUTH_GOOGLE_CLIENT_ID", "missing while SOCIAL_AUTH_GOOGLE_CLIENT_SECRET is set; set both to enable Google");
  if (!secret) throw config_error("SOCIAL_AUTH_GOOGLE_CLIENT_SECRET", "missing while SOCIAL_AUTH_GOOGLE_CLIENT_ID is set; set it (or ..._FILE)");
  google_config g{*id, *secret, "", ""};
  g.issuer = checked_url("SOCIAL_AUTH_GOOGLE_ISSUER", env.value_or("SOCIAL_AUTH_GOOGLE_ISSUER", "https://accounts.google.com"),
                         true, config.allow_insecure_http);
  g.callback_url = env.value_or("GOOGLE_CALLBACK_URL", social_callback(config, "google"));
  if (!parse_http_url(g.callback_url)) throw config_error("GOOGLE_CALLBACK_URL", "'" + g.callback_url + "' is not an http(s) URL");
  return g;
}

std::optional<cognito_config> load_cognito(const env_reader& env, const service_config& config) {
  auto domain = env.value("SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN");
  auto id = env.value("SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID");
  auto secret = env.secret("SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET");
  if (!domain && !id && !secret) return std::nullopt;
  if (!domain)
    throw config_error("SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN",
                       "missing; set the hosted-UI domain, e.g. https://<prefix>.auth.us-east-1.amazoncognito.com");
  if (!id) throw config_error("SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID", "missing while the Cognito domain is set");
  if (!secret) throw config_error("SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET", "missing while the Cognito domain is set; set it (or ..._FILE)");
  cognito_config c;
  c.domain = checked_url("SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN", *domain, true, config.allow_insecure_http);
  c.client_id = *id;
  c.client_secret = *secret;
  if (auto issuer = env.value("SOCIAL_AUTH_AMAZON_COGNITO_ISSUER"))
    c.issuer = checked_url("SOCIAL_AUTH_AMAZON_COGNITO_ISSUER", *issuer, true, config.allow_insecure_http);
  c.callback_url = env.value_or("AMAZON_COGNITO_CALLBACK_URL", social_callback(config, "amazon-cognito"));
  // A user pool's addresses are whatever its sign-up allows: not trusted unless the operator says so.
  c.trust_email = env.flag("SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL", false);
  if (!parse_http_url(c.callback_url))
    throw config_error("AMAZON_COGNITO_CALLBACK_URL", "'" + c.callback_url + "' is not an http(s) URL");
  return c;
}

}  // namespace

service_config load_config(const env_reader& env) {
  service_config config;
  // Unset leaves the decision to auth_config.yml's social_account.enabled; an explicit False wins.
  std::optional<bool> social_switch;
  if (env.value("USE_ALLAUTH_SOCIAL_ACCOUNTS")) social_switch = env.flag("USE_ALLAUTH_SOCIAL_ACCOUNTS", false);
  config.host = env.value_or("CVAT_HOST", "localhost");
  config.allow_insecure_http = env.flag("SOCIAL_AUTH_ALLOW_INSECURE_HTTP", false);
  config.base_url = checked_url("CVAT_BASE_URL",
                                env.value_or("CVAT_BASE_URL", "http://" + config.host + ":8080"), false, true);
  config.secure_cookies = config.base_url.rfind("https://", 0) == 0;

  if (auto listen = env.value("SOCIALGATE_LISTEN")) parse_listen(*listen, config);
  config.redis_url = env.secret("REDIS_URL").value_or(config.redis_url);
  config.redis_prefix = env.value_or("SOCIAL_AUTH_REDIS_PREFIX", config.redis_prefix);
  config.redis_pool_size = static_cast<int>(env.number("SOCIALGATE_REDIS_POOL_SIZE", config.redis_pool_size, 1, 256));
  config.redis_sentinels = env.value_or("REDIS_SENTINELS", "");
  config.redis_sentinel_master = env.value_or("REDIS_SENTINEL_MASTER", "");
  config.redis_sentinel_password = env.secret("REDIS_SENTINEL_PASSWORD").value_or("");
  config.redis_cluster_nodes = env.value_or("REDIS_CLUSTER_NODES", "");
  config.redis_ca_file = env.value_or("SOCIAL_AUTH_REDIS_CA_FILE", "");
  config.redis_cert_file = env.value_or("SOCIAL_AUTH_REDIS_CERT_FILE", "");
  config.redis_key_file = env.value_or("SOCIAL_AUTH_REDIS_KEY_FILE", "");
  config.ca_file = env.value_or("SOCIAL_AUTH_CA_FILE", "");

  config.flow = env.value_or("SOCIAL_AUTH_FLOW", "direct");
  if (config.flow != "direct" && config.flow != "cvat-ui")
    throw config_error("SOCIAL_AUTH_FLOW", "expected 'direct' or 'cvat-ui', got '" + config.flow + "'");
  config.email_verification = env.value_or("ACCOUNT_EMAIL_VERIFICATION", "none");
  if (config.email_verification != "none" && config.email_verification != "optional" &&
      config.email_verification != "mandatory")
    throw config_error("ACCOUNT_EMAIL_VERIFICATION",
                       "expected none, optional or mandatory, got '" + config.email_verification + "'");

  config.session_age = env.number("SESSION_COOKIE_AGE", config.session_age, 60, 31536000L * 10);
  config.session_absolute_age =
      env.number("SOCIAL_AUTH_SESSION_ABSOLUTE_AGE", std::max(config.session_absolute_age, config.session_age),
                 60, 31536000L * 10);
  if (config.session_absolute_age < config.session_age)
    throw config_error("SOCIAL_AUTH_SESSION_ABSOLUTE_AGE", "must not be shorter than SESSION_COOKIE_AGE");
  // Cookie names: socialgate's own names, never Django's. The old variables are still read (with a
  // deprecation warning) when the new ones are unset.
  struct cookie_setting {
    const char* variable;
    const char* deprecated;
    std::string* name;
  };
  for (auto setting : {cookie_setting{"SOCIAL_AUTH_SESSION_COOKIE_NAME", "SESSION_COOKIE_NAME", &config.session_cookie_name},
                       cookie_setting{"SOCIAL_AUTH_CSRF_COOKIE_NAME", "CSRF_COOKIE_NAME", &config.csrf_cookie_name}}) {
    std::string variable = setting.variable;
    if (auto value = env.value(setting.variable)) {
      *setting.name = *value;
    } else if (auto old = env.value(setting.deprecated)) {
      *setting.name = *old;
      variable = setting.deprecated;
      config.deprecated_variables.push_back(setting.deprecated);
      log_event(log_level::warning, "deprecated_variable",
                {{"variable", setting.deprecated}, {"use", setting.variable}});
    }
    if (setting.name->empty()) throw config_error(variable, "must not be empty");
    for (unsigned char c : *setting.name)
      if (!(std::isalnum(c) || c == '_' || c == '-')) throw config_error(variable, "use only letters, digits, '_' and '-'");
    if (*setting.name == "sessionid" || *setting.name == "csrftoken")
      throw config_error(variable, "'" + *setting.name +
                                       "' is the name of Django's own cookie (CVAT sets it on the same host); use "
                                       "the default or another name");
  }
  if (config.session_cookie_name == config.csrf_cookie_name)
    throw config_error("SOCIAL_AUTH_CSRF_COOKIE_NAME", "must differ from the session cookie's name");
  // On https every cookie of socialgate's carries the __Host- prefix: browsers then accept it
  // only from this very host, Secure, with Path=/ and no Domain, so a sibling subdomain or a
  // man in the middle on plain http cannot plant a session, CSRF or binding cookie ("cookie
  // tossing"). The unprefixed names are not read at all then.
  if (config.secure_cookies)
    for (auto* name : {&config.session_cookie_name, &config.csrf_cookie_name, &config.binding_cookie_name})
      if (name->rfind(host_cookie_prefix, 0) != 0) *name = host_cookie_prefix + *name;

  config.event_loops = static_cast<int>(env.number("SOCIALGATE_EVENT_LOOPS", config.event_loops, 1, 64));
  config.max_connections = static_cast<int>(env.number("SOCIALGATE_MAX_CONNECTIONS", config.max_connections, 1, 1000000));
  config.max_connections_per_address = static_cast<int>(
      env.number("SOCIALGATE_MAX_CONNECTIONS_PER_ADDRESS", config.max_connections_per_address, 1, 1000000));
  config.request_deadline_seconds =
      static_cast<int>(env.number("SOCIALGATE_REQUEST_DEADLINE_SECONDS", config.request_deadline_seconds, 1, 3600));
  config.keepalive_idle_seconds =
      static_cast<int>(env.number("SOCIALGATE_KEEPALIVE_IDLE_SECONDS", config.keepalive_idle_seconds, 1, 86400));
  // The thread-per-connection server is gone: its thread count means nothing now. Say so
  // rather than refuse to start, so an old Compose file keeps working.
  if (env.value("SOCIALGATE_HTTP_THREADS")) {
    config.removed_variables.push_back("SOCIALGATE_HTTP_THREADS");
    log_event(log_level::warning, "removed_variable",
              {{"variable", "SOCIALGATE_HTTP_THREADS"},
               {"detail", "ignored: connections are served by event loops now (SOCIALGATE_EVENT_LOOPS, "
                          "SOCIALGATE_MAX_CONNECTIONS)"}});
  }
  config.provider_workers =
      static_cast<int>(env.number("SOCIALGATE_PROVIDER_WORKERS", config.provider_workers, 1, 1024));
  config.provider_queue_limit =
      static_cast<int>(env.number("SOCIALGATE_PROVIDER_QUEUE_LIMIT", config.provider_queue_limit, 1, 100000));
  config.shutdown_timeout_seconds =
      static_cast<int>(env.number("SOCIALGATE_SHUTDOWN_TIMEOUT_SECONDS", config.shutdown_timeout_seconds, 1, 3600));
  config.breaker_threshold = static_cast<int>(env.number("SOCIALGATE_BREAKER_THRESHOLD", config.breaker_threshold, 1, 1000));
  config.breaker_cooldown_ms = env.number("SOCIALGATE_BREAKER_COOLDOWN_MS", config.breaker_cooldown_ms, 100, 600000);
  config.idp_timeout_seconds =
      static_cast<int>(env.number("SOCIALGATE_IDP_TIMEOUT_SECONDS", config.idp_timeout_seconds, 1, 120));

  // Protective defaults: generous enough for an office of hundreds behind one NAT address,
  // tight enough that one address cannot fill Redis with login state.
  config.rate_limits = parse_rate_limits(env.value_or("SOCIAL_AUTH_RATE_LIMITS", "login=300/m,callback=300/m,token=300/m"));
  config.trusted_proxies = parse_trusted_proxies(env.value_or("SOCIAL_AUTH_TRUSTED_PROXIES", ""));
  config.ipv6_prefix_length =
      static_cast<int>(env.number("SOCIAL_AUTH_IPV6_PREFIX", config.ipv6_prefix_length, 32, 128));
  config.max_flows_per_browser = env.number("SOCIAL_AUTH_MAX_FLOWS_PER_BROWSER", config.max_flows_per_browser, 1, 1000);
  config.max_flows_per_address = env.number("SOCIAL_AUTH_MAX_FLOWS_PER_ADDRESS", config.max_flows_per_address, 1, 1000000);

  config.callback_style = env.value_or("SOCIAL_AUTH_CALLBACK_STYLE", "legacy");
  if (config.callback_style != "legacy" && config.callback_style != "enterprise")
    throw config_error("SOCIAL_AUTH_CALLBACK_STYLE",
                       "expected 'legacy' (/api/auth/<provider>/login/callback/) or 'enterprise' "
                       "(/api/auth/social/<provider>/login/callback/), got '" + config.callback_style + "'");

  auth_config_file file;
  if (auto path = env.value("AUTH_CONFIG_PATH")) {
    file = read_auth_config(*path, config.base_url, config.allow_insecure_http);
    for (const auto& warning : file.warnings) log_event(log_level::warning, "auth_config", {{"warning", warning}});
  }
  if (social_switch == false) {
    config.social_enabled = false;
    if (file.social_enabled == true)
      log_event(log_level::warning, "auth_config",
                {{"warning", "social_account.enabled is true but USE_ALLAUTH_SOCIAL_ACCOUNTS=False turns social sign-in off"}});
  } else {
    config.social_enabled = file.social_enabled.value_or(social_switch.value_or(false));
  }
  if (config.social_enabled) {
    auto social_env = with_auth_config(env, file, config);
    config.github = load_github(social_env, config);
    config.google = load_google(social_env, config);
    config.cognito = load_cognito(social_env, config);
  }
  // SSO IdPs of auth_config.yml do not depend on the social master switch (as in CVAT).
  config.sso_providers = file.idps;
  config.sso_enabled = file.sso_enabled && !file.idps.empty();
  config.sso_selection_mode = file.selection_mode;
  config.sso_unsupported = file.unsupported;
  return config;
}

std::string describe_config(const service_config& config) {
  std::ostringstream out;
  out << "socialgate configuration\n";
  out << "  social sign-in (USE_ALLAUTH_SOCIAL_ACCOUNTS, social_account.enabled): " << (config.social_enabled ? "on" : "off") << "\n";
  out << "  callback style (SOCIAL_AUTH_CALLBACK_STYLE): " << config.callback_style << "\n";
  for (const auto& name : config.overridden_by_auth_config)
    out << "  " << name << ": taken from auth_config.yml's social_account (the environment's value is ignored)\n";
  out << "  public base URL: " << config.base_url << (config.secure_cookies ? " (Secure cookies)" : "") << "\n";
  out << "  cookies: session " << config.session_cookie_name << ", CSRF " << config.csrf_cookie_name << ", browser binding "
      << config.binding_cookie_name
      << (config.secure_cookies ? " (__Host- prefix on https; the CVAT package finds it by itself)" : "") << "\n";
  out << "  listen: " << config.listen_host << ":" << config.listen_port << " (" << config.event_loops
      << " event loop(s), at most " << config.max_connections << " connections, " << config.max_connections_per_address
      << " per address)\n";
  // Only what follows the credentials: REDIS_URL may carry a password.
  auto at = config.redis_url.rfind('@');
  auto scheme_end = config.redis_url.find("://");
  auto shown = at != std::string::npos ? config.redis_url.substr(at + 1)
               : scheme_end != std::string::npos ? config.redis_url.substr(scheme_end + 3)
                                                 : std::string("(unparsable)");
  out << "  redis: " << shown << ", key prefix '" << config.redis_prefix << "'\n";
  out << "  flow: " << config.flow << ", email verification: " << config.email_verification << "\n";
  out << "  session idle lifetime: " << config.session_age << " s, absolute cap: "
      << config.session_absolute_age << " s\n";
  if (config.rate_limits.empty()) {
    out << "  rate limits: off\n";
  } else {
    out << "  rate limits per client address:";
    for (const auto& rule : config.rate_limits)
      out << " " << rule.bucket << "=" << rule.limit << "/" << rule.window_seconds << "s";
    out << "\n";
  }
  out << "  trusted proxies: " << config.trusted_proxies.size() << " range(s)\n";
  out << "  IPv6 clients are limited per /" << config.ipv6_prefix_length << " network (SOCIAL_AUTH_IPV6_PREFIX)\n";
  if (config.allow_insecure_http)
    out << "  WARNING: SOCIAL_AUTH_ALLOW_INSECURE_HTTP is on; http:// IdP URLs are accepted (development only)\n";
  out << "providers:\n";
  if (config.github) {
    out << "  github: enabled (client id " << config.github->client_id << ")\n";
    out << "    register this callback URL at GitHub: " << config.github->callback_url << "\n";
    out << "    web: " << config.github->web_url << "  api: " << config.github->api_url << "\n";
  } else {
    out << "  github: disabled (set SOCIAL_AUTH_GITHUB_CLIENT_ID and SOCIAL_AUTH_GITHUB_CLIENT_SECRET, or social_account.github)\n";
  }
  if (config.google) {
    out << "  google: enabled (client id " << config.google->client_id << ", issuer " << config.google->issuer << ")\n";
    out << "    register this callback URL at Google: " << config.google->callback_url << "\n";
  } else {
    out << "  google: disabled (set SOCIAL_AUTH_GOOGLE_CLIENT_ID and SOCIAL_AUTH_GOOGLE_CLIENT_SECRET, or social_account.google)\n";
  }
  if (config.cognito) {
    out << "  amazon-cognito: enabled (client id " << config.cognito->client_id << ", domain " << config.cognito->domain << ")\n";
    out << "    register this callback URL in the app client: " << config.cognito->callback_url << "\n";
    out << "    ID tokens: " << (config.cognito->issuer.empty() ? "not verified (set SOCIAL_AUTH_AMAZON_COGNITO_ISSUER)"
                                                                : "verified against " + config.cognito->issuer) << "\n";
    out << "    emails: " << (config.cognito->trust_email ? "trusted (SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL)"
                                                          : "not trusted to join existing accounts") << "\n";
  } else {
    out << "  amazon-cognito: disabled (set SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN, _CLIENT_ID and _CLIENT_SECRET, or social_account.amazon_cognito)\n";
  }
  if (!config.sso_providers.empty())
    out << "  sso: selection mode " << config.sso_selection_mode << "\n";
  for (const auto& entry : config.sso_unsupported)
    out << "  sso " << entry << ": not supported (skipped; SAML comes later)\n";
  for (const auto& idp : config.sso_providers) {
    out << "  oidc/" << idp.id << " (" << idp.name << "): enabled, issuer " << idp.server_url
        << (idp.email_domain.empty() ? "" : ", email domain " + idp.email_domain) << ", weight " << idp.weight
        << ", token auth " << (idp.token_auth_method.empty() ? "as discovery offers (basic, else post)" : idp.token_auth_method) << "\n";
    out << "    register this callback URL at the IdP: " << idp.callback_url << "\n";
    out << "    emails: " << (idp.trust_email ? "trusted (trust_email)" : "not trusted to join existing accounts") << "\n";
    for (const auto& origin : idp.endpoint_origins) out << "    endpoints may also be on: " << origin << "\n";
  }
  return out.str();
}

}  // namespace sg
