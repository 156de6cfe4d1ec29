#include "session-store/redis_cluster_slots.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace sg {
namespace {

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection, no final XOR, as
// Redis's crc16.c. The table is built once at compile time.
constexpr std::array<std::uint16_t, 256> make_crc16_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t crc = static_cast<std::uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit)
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    table[i] = crc;
  }
  return table;
}
constexpr auto crc16_table = make_crc16_table();

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Commands that name no key: any master can run them.
bool is_keyless(const std::string& verb) {
  static constexpr std::string_view keyless[] = {
      "PING", "INFO", "SCRIPT", "CLUSTER", "ASKING", "AUTH", "SELECT", "ECHO", "TIME", "ROLE", "DBSIZE", "SCAN",
      "CONFIG", "CLIENT", "COMMAND", "MULTI", "EXEC", "DISCARD", "HELLO", "QUIT", "READONLY", "READWRITE",
      "FLUSHALL", "FLUSHDB", "LASTSAVE", "SAVE", "BGSAVE", "BGREWRITEAOF", "WAIT", "RANDOMKEY", "KEYS",
      "FUNCTION", "LATENCY", "SLOWLOG", "ACL", "DEBUG", "MONITOR", "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE",
      "UNSUBSCRIBE", "PUNSUBSCRIBE", "PUBSUB", "LOLWUT", "SWAPDB", "SHUTDOWN", "REPLICAOF", "SLAVEOF",
      "FAILOVER", "MODULE", "RESET", "UNWATCH", "SYNC", "PSYNC", "REPLCONF"};
  for (auto k : keyless)
    if (verb == k) return true;
  return false;
}

bool parse_port(std::string_view text, int& port) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc{} && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

// A host as a server may name it: a name, IPv4 or IPv6 text. Bounded, printable, no separators
// that would make it mean something else in an address list or a log line.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7f || c == '/' || c == '@' || c == ',' || c == '"' || c == '\\') return false;
  }
  return true;
}

[[noreturn]] void malformed(const std::string& what) {
  throw redis_command_error("CLUSTER SLOTS reply not understood: " + what);
}

}  // namespace

std::uint16_t redis_crc16(std::string_view bytes) {
  std::uint16_t crc = 0;
  for (char c : bytes)
    crc = static_cast<std::uint16_t>((crc << 8) ^ crc16_table[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xff]);
  return crc;
}

// Redis's keyHashSlot: the first '{', then the first '}' after it; a non-empty text between them
// is the hash tag. Otherwise (no '{', no '}' after it, or "{}") the whole key.
std::uint16_t redis_key_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) key = key.substr(open + 1, close - open - 1);
  }
  return static_cast<std::uint16_t>(redis_crc16(key) & (redis_cluster_slot_count - 1));
}

std::optional<std::uint16_t> redis_command_slot(const redis_command_args& command) {
  if (command.empty()) return std::nullopt;
  std::string verb = upper(command[0]);
  if (verb == "EVAL" || verb == "EVALSHA" || verb == "EVAL_RO" || verb == "EVALSHA_RO" || verb == "FCALL" ||
      verb == "FCALL_RO") {
    // EVAL script numkeys key... arg...
    if (command.size() < 4) return std::nullopt;
    long long keys = 0;
    const auto& n = command[2];
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), keys);
    if (ec != std::errc{} || end != n.data() + n.size() || keys < 1) return std::nullopt;
    return redis_key_slot(command[3]);
  }
  if (is_keyless(verb)) return std::nullopt;
  if (verb == "OBJECT" || verb == "MEMORY" || verb == "XINFO") {  // SUBCOMMAND key
    if (command.size() < 3) return std::nullopt;
    return redis_key_slot(command[2]);
  }
  if (command.size() < 2) return std::nullopt;
  return redis_key_slot(command[1]);
}

std::vector<redis_slot_range> parse_cluster_slots(const redis_value& reply, const redis_address& asked) {
  if (reply.is_error()) malformed("an error reply");
  if (reply.type != redis_value::kind::array) malformed("not an array");
  // Each range covers at least one slot: more ranges than slots cannot be true.
  if (reply.elements.size() > redis_cluster_slot_count) malformed("more ranges than slots");
  std::vector<redis_slot_range> ranges;
  ranges.reserve(reply.elements.size());
  for (const auto& entry : reply.elements) {
    if (entry.type != redis_value::kind::array || entry.elements.size() < 3) malformed("a range is not [first, last, master...]");
    const auto& first = entry.elements[0];
    const auto& last = entry.elements[1];
    const auto& master = entry.elements[2];
    if (first.type != redis_value::kind::integer || last.type != redis_value::kind::integer) malformed("a slot is not an integer");
    if (first.integer < 0 || last.integer < first.integer || last.integer >= redis_cluster_slot_count)
      malformed("a slot range out of bounds");
    if (master.type != redis_value::kind::array || master.elements.size() < 2) malformed("a master is not [host, port, ...]");
    const auto& host = master.elements[0];
    const auto& port = master.elements[1];
    if (port.type != redis_value::kind::integer || port.integer < 1 || port.integer > 65535) malformed("a port out of bounds");
    redis_slot_range range;
    range.first = static_cast<std::uint16_t>(first.integer);
    range.last = static_cast<std::uint16_t>(last.integer);
    range.master.port = static_cast<int>(port.integer);
    // An empty host or a null one (cluster-preferred-endpoint-type unknown-endpoint) means "the
    // node you asked, at this port"; "?" means the node's endpoint is not known yet: the range
    // is left out (its commands fail until a later refresh knows it).
    if (host.is_nil() || ((host.type == redis_value::kind::string || host.type == redis_value::kind::status) &&
                          host.text.empty())) {
      range.master.host = asked.host;
    } else if (host.type == redis_value::kind::string || host.type == redis_value::kind::status) {
      if (host.text == "?") continue;
      if (!plausible_host(host.text)) malformed("a host that is not a host name or address");
      range.master.host = host.text;
    } else {
      malformed("a host is not a string");
    }
    if (!plausible_host(range.master.host)) malformed("no host for a master");
    ranges.push_back(std::move(range));
  }
  return ranges;
}

std::optional<redis_redirection> parse_redirection(std::string_view error, const redis_address& asked) {
  redis_redirection out;
  if (error.substr(0, 6) == "MOVED ") {
    error.remove_prefix(6);
  } else if (error.substr(0, 4) == "ASK ") {
    out.ask = true;
    error.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  auto space = error.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view slot_text = error.substr(0, space);
  std::string_view target = error.substr(space + 1);
  int slot = -1;
  auto [end, ec] = std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot);
  if (ec != std::errc{} || end != slot_text.data() + slot_text.size() || slot < 0 || slot >= redis_cluster_slot_count)
    return std::nullopt;
  out.slot = static_cast<std::uint16_t>(slot);
  // host:port, the port after the last ':' (an IPv6 host has colons of its own, possibly in
  // brackets); an empty host means the node that answered.
  auto colon = target.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = target.substr(0, colon);
  if (!parse_port(target.substr(colon + 1), out.target.port)) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) out.target.host = asked.host;
  else out.target.host = std::string(host);
  if (!plausible_host(out.target.host)) return std::nullopt;
  return out;
}

}  // namespace sg
