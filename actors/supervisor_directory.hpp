#pragma once
// Where callers find a provider's CURRENT supervisor. The root supervisor writes it when it
// restarts one; gateway loops (other threads, other actor systems) read it on every call. A
// directory rather than a stable forwarding actor: a read is a shared lock and a handle copy,
// where a forwarder would add a message hop to every call and need supervising itself.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "actors/pool_messages.hpp"

namespace sg {

class supervisor_directory {
 public:
  // The set of providers is fixed for the runtime's life; only their supervisors change.
  explicit supervisor_directory(const std::vector<std::shared_ptr<provider>>& providers);

  struct entry {
    std::shared_ptr<provider> idp;
    provider_supervisor_actor current;  // null while the supervisor is being restarted
    std::uint64_t restarts = 0;         // times the root restarted it
  };
  std::optional<entry> find(const std::string& slug) const;  // nullopt: not a provider
  std::vector<entry> all() const;                            // in slug order

  // For the root supervisor.
  void set_current(const std::string& slug, provider_supervisor_actor supervisor, bool restarted);
  void clear_current(const std::string& slug);

  // Set once when the runtime shuts down: failures then read as shutting_down, not restarting.
  bool stopping() const { return stopping_.load(); }
  void mark_stopping() { stopping_ = true; }

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, entry> entries_;
  std::atomic<bool> stopping_{false};
};

}  // namespace sg
