#pragma once
// The service's configuration, read once from the environment (SPEC section 2).
#include <optional>
#include <string>
#include <vector>

#include "core/auth_config.hpp"
#include "core/cidr.hpp"
#include "core/env_config.hpp"

namespace sg {

struct github_config {
  std::string client_id;
  std::string client_secret;
  std::string web_url;       // SOCIAL_AUTH_GITHUB_URL
  std::string api_url;       // SOCIAL_AUTH_GITHUB_API_URL
  std::string callback_url;  // exact redirect_uri
};

// One per-client-address limit: `limit` requests per `window_seconds`, shared by all replicas.
struct rate_limit_rule {
  std::string bucket;  // login, callback, token
  long limit = 0;
  long window_seconds = 60;
};

struct google_config {
  std::string client_id;
  std::string client_secret;
  std::string issuer;  // SOCIAL_AUTH_GOOGLE_ISSUER
  std::string callback_url;
};

struct cognito_config {
  std::string domain;  // hosted-UI base URL
  std::string client_id;
  std::string client_secret;
  std::string issuer;  // user-pool issuer; empty: ID tokens are not verified (UserInfo only)
  std::string callback_url;
  bool trust_email = false;  // SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL (SPEC section 5)
};

// Browsers accept a cookie named "__Host-..." only when it is Secure, has Path=/ and no Domain.
inline constexpr const char* host_cookie_prefix = "__Host-";

struct service_config {
  bool social_enabled = false;
  std::string host = "localhost";
  std::string base_url;  // without trailing slash
  bool secure_cookies = false;
  std::optional<github_config> github;
  std::optional<google_config> google;
  std::optional<cognito_config> cognito;
  std::vector<sso_identity_provider> sso_providers;  // AUTH_CONFIG_PATH, OIDC entries of an enabled `sso`
  bool sso_enabled = false;                          // sso.enabled with at least one OIDC IdP
  std::string sso_selection_mode = "email_address";  // sso.selection_mode: email_address | lowest_weight
  std::vector<std::string> sso_unsupported;          // skipped entries, "<id> (SAML)"
  // SOCIAL_AUTH_CALLBACK_STYLE: the default redirect_uri of github, google and amazon-cognito is
  // /api/auth/<p>/login/callback/ ("legacy") or CVAT Enterprise's /api/auth/social/<p>/login/callback/
  // ("enterprise"). Both paths are always served.
  std::string callback_style = "legacy";
  // Variables whose values auth_config.yml's social_account replaced (names only, for check-config).
  std::vector<std::string> overridden_by_auth_config;

  std::string listen_host = "0.0.0.0";
  int listen_port = 8080;
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string redis_prefix = "sg:";
  int redis_pool_size = 4;  // connections per event loop (per Redis server in Cluster mode)
  // Redis deployments (issue 14), as written; session-store/redis_settings checks them.
  std::string redis_sentinels;        // REDIS_SENTINELS: host:port,...
  std::string redis_sentinel_master;  // REDIS_SENTINEL_MASTER
  std::string redis_sentinel_password;  // REDIS_SENTINEL_PASSWORD(_FILE)
  std::string redis_cluster_nodes;    // REDIS_CLUSTER_NODES: host:port,...
  std::string redis_ca_file;          // SOCIAL_AUTH_REDIS_CA_FILE (rediss://)
  std::string redis_cert_file;        // SOCIAL_AUTH_REDIS_CERT_FILE
  std::string redis_key_file;         // SOCIAL_AUTH_REDIS_KEY_FILE
  std::string ca_file;
  bool allow_insecure_http = false;
  std::string flow = "direct";
  std::string email_verification = "none";

  long session_age = 1209600;
  long session_absolute_age = 2592000;
  // Never Django's `sessionid`/`csrftoken`: CVAT sets those on the same host (start-up refuses them).
  std::string session_cookie_name = "sg_sessionid";
  std::string csrf_cookie_name = "sg_csrftoken";
  // Deprecated variables that were read (SESSION_COOKIE_NAME, CSRF_COOKIE_NAME), for the warning.
  std::vector<std::string> deprecated_variables;
  std::string binding_cookie_name = "sg_binding";
  // With an https CVAT_BASE_URL all three names above are prefixed with this (load_config).

  // The HTTP server (issue 13): event loops, each one thread with its own Redis connections
  // (redis_pool_size per loop), and the limits enforced while reading.
  int event_loops = 1;
  int max_connections = 10000;              // per replica, all loops together
  int max_connections_per_address = 256;    // per TCP peer; trusted proxies exempt
  int request_deadline_seconds = 10;        // a request not whole by then is dropped
  int keepalive_idle_seconds = 60;          // an idle keep-alive connection is closed
  // Removed variables that were set (SOCIALGATE_HTTP_THREADS), for the start-up warning.
  std::vector<std::string> removed_variables;
  int provider_workers = 8;
  int provider_queue_limit = 256;
  int idp_timeout_seconds = 10;
  int breaker_threshold = 5;
  int shutdown_timeout_seconds = 25;
  long breaker_cooldown_ms = 10000;
  long flow_ttl_seconds = 600;
  long login_code_ttl_seconds = 60;  // cvat-ui one-time codes

  // Abuse limits (SPEC section 2 and 6). Empty rate_limits: off.
  std::vector<rate_limit_rule> rate_limits;
  std::vector<ip_range> trusted_proxies;
  // Per-address limits count an IPv6 client by its network of this many bits (one host is
  // usually given a whole /64); IPv4 clients by their address.
  int ipv6_prefix_length = 64;
  long max_flows_per_browser = 20;   // older open flows of the same browser are dropped
  long max_flows_per_address = 3000;  // flow starts per client address per flow TTL (= 300/min for 10 min)
};

// Throws config_error naming the variable and the fix.
service_config load_config(const env_reader& env);

// Human-readable summary for `socialgate check-config`: what is enabled and the callback
// URLs to register at each IdP. Never prints a secret.
std::string describe_config(const service_config& config);

}  // namespace sg
