#include "providers/provider_factory.hpp"

#include "providers/github_provider.hpp"

namespace sg {

std::vector<std::shared_ptr<provider>> make_providers(const service_config& config) {
  http_client_settings http;
  http.ca_file = config.ca_file;
  http.allow_insecure_http = config.allow_insecure_http;
  http.read_timeout_seconds = config.idp_timeout_seconds;
  http.connect_timeout_seconds = std::min(config.idp_timeout_seconds, 5);
  std::vector<std::shared_ptr<provider>> providers;
  if (config.social_enabled && config.github)
    providers.push_back(std::make_shared<github_provider>(*config.github, http));
  return providers;
}

}  // namespace sg
