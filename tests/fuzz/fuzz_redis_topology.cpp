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
#include "session-store/redis_reply.hpp"
#include "session-store/redis_settings.hpp"

namespace {

struct reader_deleter {
  void operator()(redisReader* r) const { redisReaderFree(r); }
};

// hiredis 0.14's reader allocates an array's element table as soon as it reads the declared
// count ("*300000000\r\n" is a 2.4 GB calloc, before any element arrives; hiredis 1.0 has a
// maxelements limit, 0.14 none). Each element takes at least three bytes, so a count larger than
// the input can never be filled: such inputs are left out of the reader (the fuzzer's malloc
// limit would report hiredis's allocation, not ours).
bool declares_impossible_array(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '*') continue;
    std::size_t count = 0;
    for (std::size_t j = i + 1; j < bytes.size() && j < i + 20 && bytes[j] >= '0' && bytes[j] <= '9'; ++j) {
      count = count * 10 + static_cast<std::size_t>(bytes[j] - '0');
      if (count > bytes.size()) return true;
    }
  }
  return false;
}

// Every reply the bytes hold, as a node's CLUSTER SLOTS answer.
void replies_as_slot_maps(std::string_view bytes, const sg::redis_address& asked) {
  if (declares_impossible_array(bytes)) return;
  std::unique_ptr<redisReader, reader_deleter> reader(redisReaderCreate());
  if (!reader) return;
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
