#pragma once
// One socialgate replica assembled from its parts: Redis pool and stores, provider pools
// (actors), gateway routes and the HTTP server owned by the gateway actor.
#include <memory>
#include <vector>

#include "core/config.hpp"
#include "providers/provider.hpp"

namespace sg {

class service {
 public:
  // `providers` normally comes from make_providers(config); tests may wrap them.
  service(service_config config, std::vector<std::shared_ptr<provider>> providers);
  ~service();
  // Binds the listening socket (throws on failure) and starts serving; returns the port.
  int start();
  // Stops accepting, lets in-flight requests finish, stops the actors.
  void stop();
  // The account-key layout could not be checked at start-up: check before the first account write.
  void check_key_layout_before_writing();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
