// Placeholder until the cluster slot logic lands (issue 14).
#include "session-store/redis_cluster_slots.hpp"

namespace sg {
std::uint16_t redis_crc16(std::string_view) { return 0; }
std::uint16_t redis_key_slot(std::string_view) { return 0; }
std::optional<std::uint16_t> redis_command_slot(const redis_command_args&) { return std::nullopt; }
std::vector<redis_slot_range> parse_cluster_slots(const redis_value&, const redis_address&) { return {}; }
std::optional<redis_redirection> parse_redirection(std::string_view, const redis_address&) { return std::nullopt; }
}  // namespace sg
