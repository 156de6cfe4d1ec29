#pragma once
// Several Redis clients on one transport (a Cluster's nodes, Sentinel's sentinels and master):
// each gets a range of connection indices of its own, and the events of an index go to the
// client that owns it.
#include <cstddef>
#include <deque>
#include <string_view>

#include "session-store/redis_backend.hpp"
#include "session-store/redis_loop_client.hpp"

namespace sg {

class redis_link_table : public redis_link_events {
 public:
  // The transport one client sees: its indices 0..width-1, shifted into the table's range.
  class slice : public redis_transport {
   public:
    slice(redis_transport& base, std::size_t offset, std::size_t width) : base_(base), offset_(offset), width_(width) {}
    // Who gets this slice's events; set once the client exists (it takes the slice to be built).
    void attach(redis_link_events& events) { events_ = &events; }
    bool open(std::size_t index, const redis_endpoint& endpoint) override { return base_.open(offset_ + index, endpoint); }
    void send(std::size_t index, std::string_view bytes) override { base_.send(offset_ + index, bytes); }
    void close(std::size_t index) override { base_.close(offset_ + index); }

   private:
    friend class redis_link_table;
    redis_transport& base_;
    std::size_t offset_;
    std::size_t width_;
    redis_link_events* events_ = nullptr;
  };

  explicit redis_link_table(redis_transport& base) : base_(base) {}
  // A new range of `width` indices; the reference stays valid for the table's lifetime.
  slice& add(std::size_t width);

  void on_data(std::size_t index, std::string_view bytes) override;
  void on_closed(std::size_t index) override;

 private:
  slice* owner(std::size_t index);
  redis_transport& base_;
  std::deque<slice> slices_;  // a deque: references stay valid as slices are added
  std::size_t next_offset_ = 0;
};

}  // namespace sg
