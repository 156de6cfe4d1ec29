// Issue 14: what socialgate reads about a Redis deployment from outside: address lists from the
// configuration, CLUSTER SLOTS replies and MOVED/ASK errors from the servers. The bytes go
// through hiredis's reader as a node's reply would (redis_loop_client's path), then to the slot
// map parser; as text, to the redirection parser. An error, never a crash; memory bounded (the
// reader's own limits, and the fuzzer's -rss_limit_mb).
#include <hiredis/hiredis.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <memory>
#include <string_view>

#include "core/env_config.hpp"
#include "session-store/redis_cluster_slots.hpp"
#include "session-store/redis_reader.hpp"
#include "session-store/redis_reply.hpp"
#include "session-store/redis_settings.hpp"

namespace {

// Every reply the bytes hold, as a node's CLUSTER SLOTS answer.
void replies_as_slot_maps(std::string_view bytes, const sg::redis_address& asked) {
  // socialgate's own reader: hiredis 0.14 would allocate any array count up front; this one
  // refuses a reply declaring more than redis_reply_element_limit elements in all.
  auto reader = sg::make_redis_reader();
  if (redisReaderFeed(reader.get(), bytes.data(), bytes.size()) != REDIS_OK) return;
  for (int replies = 0; replies < 64; ++replies) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK || raw == nullptr) return;
    sg::reply_ptr reply(static_cast<redisReply*>(raw));
    sg::redis_value value = sg::to_raw_redis_value(*reply);
    try {
      auto ranges = sg::parse_cluster_slots(value, asked);
      for (const auto& range : ranges)
        if (range.first > range.last || range.last >= sg::redis_cluster_slot_count || range.master.port < 1 ||
            range.master.port > 65535 || range.master.host.empty())
          __builtin_trap();  // the parser promised bounded values
    } catch (const sg::redis_command_error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    sg::parse_redis_addresses("REDIS_SENTINELS", text);
  } catch (const sg::config_error&) {
  }

  const sg::redis_address asked{"10.0.0.1", 7000};
  replies_as_slot_maps(text, asked);

  if (auto redirect = sg::parse_redirection(text, asked)) {
    if (redirect->slot >= sg::redis_cluster_slot_count || redirect->target.port < 1 || redirect->target.port > 65535 ||
        redirect->target.host.empty())
      __builtin_trap();
  }
  // Key slots of arbitrary bytes, and a command's slot, stay in range.
  if (sg::redis_key_slot(text) >= sg::redis_cluster_slot_count) __builtin_trap();
  sg::redis_command_args command{"EVALSHA", "sha", "1", text};
  if (auto slot = sg::redis_command_slot(command); !slot || *slot != sg::redis_key_slot(text)) __builtin_trap();
  return 0;
}
