#include "core/auth_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <set>

#include "core/env_config.hpp"
#include "core/url.hpp"

namespace sg {
namespace {
const char* variable = "AUTH_CONFIG_PATH";

std::string where(const YAML::Node& node, const std::string& path) {
  auto mark = node.Mark();
  return path + ": line " + std::to_string(mark.line + 1);
}

// A present, non-empty scalar; a missing one names the key and where it belongs.
std::string required(const YAML::Node& map, const std::string& field, const std::string& path,
                     const std::string& owner) {
  auto value = map[field];
  if (!value || !value.IsScalar() || value.as<std::string>().empty())
    throw config_error(variable, where(map, path) + ": " + owner + " needs '" + field + "'");
  return value.as<std::string>();
}

std::string scalar(const YAML::Node& value, const std::string& key, const std::string& path) {
  if (!value.IsScalar()) throw config_error(variable, where(value, path) + ": '" + key + "' must be a single value");
  return value.as<std::string>();
}

// The YAML booleans CVAT's reader (PyYAML, YAML 1.1) accepts in every spelling; anything else,
// a typo such as "ture" or a number, is an error rather than a silent false.
bool boolean(const YAML::Node& value, const std::string& key, const std::string& path) {
  if (value.IsScalar()) {
    static const std::set<std::string> yes = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"};
    static const std::set<std::string> no = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"};
    auto text = value.as<std::string>();
    if (yes.count(text)) return true;
    if (no.count(text)) return false;
  }
  throw config_error(variable, where(value, path) + ": '" + key + "' must be true or false");
}

// Unknown keys are warnings (a newer CVAT may know them), never errors.
void warn_unknown(const YAML::Node& map, const std::set<std::string>& known, const std::string& owner,
                  const std::string& path, std::vector<std::string>& warnings) {
  for (const auto& item : map) {
    auto key = item.first.IsScalar() ? item.first.as<std::string>() : std::string("?");
    if (!known.count(key))
      warnings.push_back(where(item.first, path) + ": unknown key '" + key + "' in " + owner + " is ignored");
  }
}

// A list of origins (scheme://host[:port], nothing after it), each https unless the insecure
// switch is on; returned the way url_parts::origin() prints them, so comparisons are exact.
std::vector<std::string> origins(const YAML::Node& list, const char* field, const std::string& path,
                                 bool allow_insecure_http) {
  if (!list.IsSequence())
    throw config_error(variable, where(list, path) + ": '" + field + "' must be a list of origins like https://login.example.com");
  std::vector<std::string> out;
  for (const auto& item : list) {
    auto text = item.IsScalar() ? item.as<std::string>() : std::string();
    auto parts = parse_http_url(text);
    if (!parts || !(parts->path.empty() || parts->path == "/"))
      throw config_error(variable, where(item, path) + ": '" + field + "' entries must be origins like https://login.example.com (scheme, host and port only)");
    if (parts->scheme != "https" && !allow_insecure_http)
      throw config_error(variable, where(item, path) + ": '" + field +
                                       "' entry is not https; use https, or set SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True for development only");
    out.push_back(parts->origin());
  }
  return out;
}

// social_account: enabled and one block per provider (CVAT's names: github, google, amazon_cognito).
void read_social_account(const YAML::Node& section, const std::string& path, auth_config_file& out) {
  if (!section.IsMap()) throw config_error(variable, where(section, path) + ": 'social_account' must be a mapping");
  warn_unknown(section, {"enabled", "github", "google", "amazon_cognito"}, "social_account", path, out.warnings);
  if (section["enabled"]) out.social_enabled = boolean(section["enabled"], "social_account.enabled", path);
  struct block {
    const char* name;
    std::optional<social_account_client>* target;
  };
  for (auto [name, target] : {block{"github", &out.github}, block{"google", &out.google},
                              block{"amazon_cognito", &out.amazon_cognito}}) {
    auto node = section[name];
    if (!node) continue;
    std::string key = std::string("social_account.") + name;
    if (!node.IsMap()) throw config_error(variable, where(node, path) + ": '" + key + "' must be a mapping");
    bool cognito = std::string(name) == "amazon_cognito";
    warn_unknown(node, cognito ? std::set<std::string>{"client_id", "client_secret", "domain"}
                               : std::set<std::string>{"client_id", "client_secret"},
                 key, path, out.warnings);
    social_account_client client;
    client.client_id = required(node, "client_id", path, "'" + key + "'");
    client.client_secret = required(node, "client_secret", path, "'" + key + "'");
    if (cognito) client.domain = required(node, "domain", path, "'" + key + "'");
    *target = client;
  }
}

sso_identity_provider read_oidc_idp(const YAML::Node& node, const std::string& owner, const std::string& path,
                                    const std::string& base_url, bool allow_insecure_http,
                                    std::vector<std::string>& warnings) {
  warn_unknown(node,
               {"id", "protocol", "name", "server_url", "client_id", "client_secret", "token_auth_method",
                "email_domain", "weight", "trust_email", "endpoint_origins"},
               owner, path, warnings);
  sso_identity_provider idp;
  idp.id = required(node, "id", path, owner);
  idp.name = required(node, "name", path, owner);
  idp.server_url = required(node, "server_url", path, owner);
  auto parts = parse_http_url(idp.server_url);
  if (!parts) throw config_error(variable, where(node["server_url"], path) + ": 'server_url' is not an http(s) URL");
  if (parts->scheme != "https" && !allow_insecure_http)
    throw config_error(variable, where(node["server_url"], path) +
                                     ": 'server_url' is not https; use https, or set SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True for development only");
  idp.client_id = required(node, "client_id", path, owner);
  idp.client_secret = required(node, "client_secret", path, owner);
  if (node["token_auth_method"]) {
    idp.token_auth_method = scalar(node["token_auth_method"], "token_auth_method", path);
    if (idp.token_auth_method != "client_secret_basic" && idp.token_auth_method != "client_secret_post")
      throw config_error(variable, where(node["token_auth_method"], path) +
                                       ": 'token_auth_method' must be client_secret_basic or client_secret_post");
  }
  if (node["email_domain"]) idp.email_domain = scalar(node["email_domain"], "email_domain", path);
  if (node["weight"]) {
    try {
      idp.weight = node["weight"].as<int>();
    } catch (const YAML::Exception&) {
      throw config_error(variable, where(node["weight"], path) + ": 'weight' must be a whole number");
    }
  }
  if (node["trust_email"]) idp.trust_email = boolean(node["trust_email"], "trust_email", path);
  if (node["endpoint_origins"])
    idp.endpoint_origins = origins(node["endpoint_origins"], "endpoint_origins", path, allow_insecure_http);
  idp.callback_url = base_url + "/api/auth/oidc/" + idp.id + "/login/callback/";
  return idp;
}

void read_sso(const YAML::Node& sso, const std::string& path, const std::string& base_url, bool allow_insecure_http,
              auth_config_file& out) {
  if (!sso.IsMap()) throw config_error(variable, where(sso, path) + ": 'sso' must be a mapping");
  warn_unknown(sso, {"enabled", "selection_mode", "enable_pkce", "identity_providers"}, "sso", path, out.warnings);
  // A section without `enabled` is on (socialgate's files before Enterprise's format had none).
  out.sso_enabled = sso["enabled"] ? boolean(sso["enabled"], "sso.enabled", path) : true;
  if (sso["selection_mode"]) {
    out.selection_mode = scalar(sso["selection_mode"], "sso.selection_mode", path);
    if (out.selection_mode != "email_address" && out.selection_mode != "lowest_weight")
      throw config_error(variable, where(sso["selection_mode"], path) +
                                       ": 'sso.selection_mode' must be email_address or lowest_weight");
  }
  if (sso["enable_pkce"]) out.enable_pkce = boolean(sso["enable_pkce"], "sso.enable_pkce", path);
  if (!out.enable_pkce)
    out.warnings.push_back(where(sso["enable_pkce"], path) +
                           ": 'sso.enable_pkce: false' is accepted, but PKCE stays on for every IdP that supports it");
  if (!out.sso_enabled) return;  // the IdPs of a disabled section are not read
  auto list = sso["identity_providers"];
  if (!list || !list.IsSequence())
    throw config_error(variable, where(sso, path) + ": 'sso.identity_providers' must be a list");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto node = list[i];
    auto owner = "identity_providers[" + std::to_string(i) + "]";
    if (!node.IsMap()) throw config_error(variable, where(node, path) + ": " + owner + " is not a mapping");
    auto id = required(node, "id", path, owner);
    for (unsigned char c : id)
      if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.'))
        throw config_error(variable, where(node["id"], path) + ": 'id' may hold only letters, digits, '-', '_' and '.'");
    if (!ids.insert(id).second) throw config_error(variable, where(node["id"], path) + ": duplicate id '" + id + "'");
    auto protocol = required(node, "protocol", path, owner);
    if (protocol == "SAML") {
      out.unsupported.push_back(id + " (SAML)");
      out.warnings.push_back(where(node, path) + ": " + owner + " '" + id +
                             "' uses SAML, which socialgate does not support yet; it is skipped");
      continue;
    }
    if (protocol != "OIDC")
      throw config_error(variable, where(node["protocol"], path) + ": 'protocol' must be OIDC or SAML, got '" + protocol + "'");
    out.idps.push_back(read_oidc_idp(node, owner, path, base_url, allow_insecure_http, out.warnings));
  }
}

auth_config_file read(const std::string& path, const std::string& base_url, bool allow_insecure_http) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw config_error(variable, "cannot read '" + path + "'");
  }
  if (!root.IsMap())
    throw config_error(variable, path + ": line 1: the file must be a mapping with a 'social_account' or 'sso' section");
  auth_config_file out;
  warn_unknown(root, {"social_account", "sso"}, "the file", path, out.warnings);
  if (!root["social_account"] && !root["sso"])
    throw config_error(variable, path + ": no 'social_account' or 'sso' section");
  if (root["social_account"]) read_social_account(root["social_account"], path, out);
  if (root["sso"]) read_sso(root["sso"], path, base_url, allow_insecure_http, out);
  return out;
}
}  // namespace

auth_config_file read_auth_config(const std::string& path, const std::string& base_url, bool allow_insecure_http) {
  // yaml-cpp throws for shapes it did not expect (a scalar where a mapping should be, ...):
  // every such case is the operator's file at fault, never a crash.
  try {
    return read(path, base_url, allow_insecure_http);
  } catch (const YAML::Exception& e) {
    throw config_error(variable, path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::vector<sso_identity_provider> load_auth_config(const std::string& path, const std::string& base_url,
                                                    bool allow_insecure_http) {
  return read_auth_config(path, base_url, allow_insecure_http).idps;
}

}  // namespace sg
