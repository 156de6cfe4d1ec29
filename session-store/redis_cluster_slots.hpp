#pragma once
// Redis Cluster's key slots: CRC16 (XMODEM) of the key, or of its hash tag (`{...}`, the first
// non-empty one), modulo 16384; which argument of a command is its key; the slot map a
// `CLUSTER SLOTS` reply describes; and the target of a MOVED or ASK error reply.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session-store/redis_settings.hpp"
#include "session-store/redis_value.hpp"

namespace sg {

constexpr std::uint16_t redis_cluster_slot_count = 16384;

std::uint16_t redis_crc16(std::string_view bytes);
std::uint16_t redis_key_slot(std::string_view key);

// The slot a command's keys live in: EVAL/EVALSHA (their first key; none: nullopt), and every
// other command by its first argument, except commands that take no key (PING, INFO, SCRIPT,
// CLUSTER, ASKING, AUTH, SELECT, ECHO, TIME, ROLE, DBSIZE, SCAN, CONFIG, CLIENT, COMMAND,
// MULTI, EXEC...): nullopt, any master will do.
std::optional<std::uint16_t> redis_command_slot(const redis_command_args& command);

struct redis_slot_range {
  std::uint16_t first = 0;
  std::uint16_t last = 0;
  redis_address master;
};

// The ranges of a CLUSTER SLOTS reply, masters only. An empty host in the reply means "the
// node you asked" (`asked`). Throws redis_command_error when the reply is not the documented
// shape (never trusts it: bounded slots, ports, sizes).
std::vector<redis_slot_range> parse_cluster_slots(const redis_value& reply, const redis_address& asked);

struct redis_redirection {
  bool ask = false;  // false: MOVED
  std::uint16_t slot = 0;
  redis_address target;
};
// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381" (host may be empty: the asked node,
// or an IPv6 address); nullopt for any other error.
std::optional<redis_redirection> parse_redirection(std::string_view error, const redis_address& asked);

}  // namespace sg
