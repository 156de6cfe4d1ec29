#include "actors/supervisor_directory.hpp"

#include <mutex>

namespace sg {

supervisor_directory::supervisor_directory(const std::vector<std::shared_ptr<provider>>& providers) {
  for (const auto& idp : providers) entries_[idp->slug()].idp = idp;
}

std::optional<supervisor_directory::entry> supervisor_directory::find(const std::string& slug) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(slug);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<supervisor_directory::entry> supervisor_directory::all() const {
  std::shared_lock lock(mutex_);
  std::vector<entry> out;
  out.reserve(entries_.size());
  for (const auto& [slug, e] : entries_) out.push_back(e);
  return out;
}

void supervisor_directory::set_current(const std::string& slug, provider_supervisor_actor supervisor, bool restarted) {
  std::unique_lock lock(mutex_);
  auto& e = entries_.at(slug);
  e.current = std::move(supervisor);
  if (restarted) ++e.restarts;
}

void supervisor_directory::clear_current(const std::string& slug) {
  std::unique_lock lock(mutex_);
  entries_.at(slug).current = nullptr;
}

}  // namespace sg
