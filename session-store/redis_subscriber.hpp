#pragma once
// One connection in SUBSCRIBE mode on a loop's transport (Sentinel mode, issue 14: the
// `+switch-master` channel of a sentinel). It has its own reply reader, since a subscribed
// connection gets messages nobody asked for, which redis_loop_client would take for a protocol
// error. AUTH (when the endpoint has a password) and SUBSCRIBE go out together; when the
// connection is lost, refused or silent, the next endpoint of the list is tried from on_tick.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"
#include "session-store/redis_settings.hpp"

namespace sg {

// A `+switch-master` message: "<name> <old-ip> <old-port> <new-ip> <new-port>".
struct switch_master_message {
  std::string name;
  redis_address from;
  redis_address to;
};
// nullopt when the payload is not five fields with valid ports.
std::optional<switch_master_message> parse_switch_master(std::string_view payload);

class redis_subscriber : public redis_link_events {
 public:
  struct handlers {
    // A message published on the channel (its payload).
    std::function<void(const std::string& payload)> message;
    // The subscription is in place on endpoints[index] (also after a reconnection: messages may
    // have been missed meanwhile).
    std::function<void(std::size_t index)> subscribed;
  };

  // `transport` has one connection index (0). Nothing is sent before the first on_tick.
  redis_subscriber(std::vector<redis_endpoint> endpoints, std::string channel, redis_transport& transport,
                   std::chrono::milliseconds reply_timeout, handlers on);
  ~redis_subscriber() override;

  void on_data(std::size_t index, std::string_view bytes) override;
  void on_closed(std::size_t index) override;
  // Connects (the first time, or the next endpoint after a loss), pings an idle subscription,
  // and gives up on a silent one.
  void on_tick(std::chrono::steady_clock::time_point now);
  void shutdown();  // idempotent

  bool subscribed() const;
  // The endpoint in use or being tried (no credentials): host:port.
  std::string where() const;
  std::uint64_t errors() const;  // lost, refused or silent connections

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sg
