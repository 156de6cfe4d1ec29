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

std::string required(const YAML::Node& idp, const char* field, const std::string& path, std::size_t index) {
  auto value = idp[field];
  if (!value || !value.IsScalar() || value.as<std::string>().empty())
    throw config_error(variable, where(idp, path) + ": identity_providers[" + std::to_string(index) + "] needs '" +
                                     field + "'");
  return value.as<std::string>();
}

// YAML 1.2's booleans only: a typo such as "ture" or "1" must not silently mean false.
bool boolean(const YAML::Node& value, const char* field, const std::string& path) {
  if (value.IsScalar()) {
    auto text = value.as<std::string>();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  throw config_error(variable, where(value, path) + ": '" + field + "' must be true or false");
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
}  // namespace

namespace {
std::vector<sso_identity_provider> load(const std::string& path, const std::string& base_url, bool allow_insecure_http);
}  // namespace

std::vector<sso_identity_provider> load_auth_config(const std::string& path, const std::string& base_url,
                                                    bool allow_insecure_http) {
  // yaml-cpp throws for shapes it did not expect (a scalar where a mapping should be, ...):
  // every such case is the operator's file at fault, never a crash.
  try {
    return load(path, base_url, allow_insecure_http);
  } catch (const YAML::Exception& e) {
    throw config_error(variable, path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

namespace {
std::vector<sso_identity_provider> load(const std::string& path, const std::string& base_url, bool allow_insecure_http) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw config_error(variable, "cannot read '" + path + "'");
  } catch (const YAML::Exception& e) {
    throw config_error(variable, path + ": line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) throw config_error(variable, path + ": line 1: the file must be a mapping with an 'sso' section");
  auto sso = root["sso"];
  if (!sso || !sso.IsMap()) throw config_error(variable, path + ": no 'sso' section");
  if (sso["enabled"] && sso["enabled"].IsScalar() && sso["enabled"].as<std::string>() == "false") return {};
  auto list = sso["identity_providers"];
  if (!list || !list.IsSequence()) throw config_error(variable, where(sso, path) + ": 'sso.identity_providers' must be a list");
  std::vector<sso_identity_provider> idps;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto node = list[i];
    if (!node.IsMap()) throw config_error(variable, where(node, path) + ": identity_providers[" + std::to_string(i) + "] is not a mapping");
    sso_identity_provider idp;
    idp.id = required(node, "id", path, i);
    for (unsigned char c : idp.id)
      if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.'))
        throw config_error(variable, where(node["id"], path) + ": 'id' may hold only letters, digits, '-', '_' and '.'");
    if (!ids.insert(idp.id).second) throw config_error(variable, where(node["id"], path) + ": duplicate id '" + idp.id + "'");
    auto protocol = required(node, "protocol", path, i);
    if (protocol != "OIDC")
      throw config_error(variable, where(node["protocol"], path) + ": protocol '" + protocol + "' is not supported (only OIDC)");
    idp.name = node["name"] ? node["name"].as<std::string>() : idp.id;
    idp.server_url = required(node, "server_url", path, i);
    auto parts = parse_http_url(idp.server_url);
    if (!parts) throw config_error(variable, where(node["server_url"], path) + ": 'server_url' is not an http(s) URL");
    if (parts->scheme != "https" && !allow_insecure_http)
      throw config_error(variable, where(node["server_url"], path) +
                                       ": 'server_url' is not https; use https, or set SOCIAL_AUTH_ALLOW_INSECURE_HTTP=True for development only");
    idp.client_id = required(node, "client_id", path, i);
    idp.client_secret = required(node, "client_secret", path, i);
    if (node["token_auth_method"]) {
      idp.token_auth_method = node["token_auth_method"].as<std::string>();
      if (idp.token_auth_method != "client_secret_basic" && idp.token_auth_method != "client_secret_post")
        throw config_error(variable, where(node["token_auth_method"], path) +
                                         ": 'token_auth_method' must be client_secret_basic or client_secret_post");
    }
    if (node["email_domain"]) idp.email_domain = node["email_domain"].as<std::string>();
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
    idps.push_back(idp);
  }
  return idps;
}
}  // namespace

}  // namespace sg
