#include "session-store/redis_link_table.hpp"

namespace sg {

redis_link_table::slice& redis_link_table::add(std::size_t width) {
  slices_.emplace_back(base_, next_offset_, width);
  next_offset_ += width;
  return slices_.back();
}

redis_link_table::slice* redis_link_table::owner(std::size_t index) {
  // Few slices (a node or a sentinel each), added in order of their offsets.
  for (auto& s : slices_)
    if (index >= s.offset_ && index < s.offset_ + s.width_) return s.events_ ? &s : nullptr;
  return nullptr;
}

void redis_link_table::on_data(std::size_t index, std::string_view bytes) {
  if (auto* s = owner(index)) s->events_->on_data(index - s->offset_, bytes);
}

void redis_link_table::on_closed(std::size_t index) {
  if (auto* s = owner(index)) s->events_->on_closed(index - s->offset_);
}

}  // namespace sg
