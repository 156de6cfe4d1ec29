#include "session-store/username_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace sg {
namespace {
// The one list of reserved usernames: operator, system and service names, and words that
// clients may confuse with "no value".
constexpr std::array<std::string_view, 32> reserved_names = {
    "admin",     "administrator", "root",      "system",    "support",   "security", "null",
    "undefined", "superuser",     "staff",     "api",       "www",       "cvat",     "socialgate",
    "sysadmin",  "webmaster",     "hostmaster", "postmaster", "abuse",   "noreply",  "no-reply",
    "nobody",    "owner",         "operator",  "moderator", "anonymous", "guest",    "daemon",
    "info",      "help",          "none",      "sudo"};

bool allowed_char(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '@' || c == '+' || c == '-';
}

// Base letters for U+00C0..U+00FF (Latin-1 Supplement); '\0' means "drop".
constexpr const char* latin1_base =
    "AAAAAAACEEEEIIII"   // C0-CF
    "DNOOOOO\0OUUUUYTs"  // D0-DF (D7 is the multiplication sign)
    "aaaaaaaceeeeiiii"   // E0-EF
    "dnooooo\0ouuuuyty"; // F0-FF (F7 is the division sign)
}  // namespace

bool is_valid_username(std::string_view name) {
  if (name.size() < 5 || name.size() > 150) return false;
  for (unsigned char c : name)
    if (!allowed_char(c)) return false;
  return true;
}

bool is_reserved_username(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find(reserved_names.begin(), reserved_names.end(), lower) != reserved_names.end();
}

std::string ascii_fold_lower(std::string_view utf8) {
  std::string out;
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    unsigned char c = utf8[i];
    if (c < 0x80) {
      if (allowed_char(c)) out += static_cast<char>(std::tolower(c));
      continue;
    }
    // Two-byte sequences C3 80..C3 BF encode U+00C0..U+00FF.
    if (c == 0xC3 && i + 1 < utf8.size()) {
      unsigned char next = utf8[i + 1];
      if (next >= 0x80 && next <= 0xBF) {
        char base = latin1_base[next - 0x80];
        if (base) out += static_cast<char>(std::tolower(static_cast<unsigned char>(base)));
        ++i;
        continue;
      }
    }
    // Skip the continuation bytes of any other character.
    while (i + 1 < utf8.size() && (static_cast<unsigned char>(utf8[i + 1]) & 0xC0) == 0x80) ++i;
  }
  return out;
}

namespace {
// Every name the identity suggests, in order of preference, reserved or not.
std::vector<std::string> suggested_names(const external_identity& identity) {
  std::vector<std::string> out;
  if (is_valid_username(identity.preferred_username)) out.push_back(identity.preferred_username);
  auto local_part = identity.email.substr(0, identity.email.find('@'));
  for (const auto& raw : {identity.first_name, identity.last_name, local_part}) {
    auto folded = ascii_fold_lower(raw);
    if (!folded.empty()) out.push_back(folded);
  }
  if (!identity.preferred_username.empty() && !is_valid_username(identity.preferred_username)) {
    auto folded = ascii_fold_lower(identity.preferred_username);
    if (!folded.empty()) out.push_back(folded);
  }
  return out;
}
}  // namespace

std::vector<std::string> username_candidates(const external_identity& identity) {
  std::vector<std::string> out;
  for (auto& name : suggested_names(identity))
    if (!is_reserved_username(name)) out.push_back(std::move(name));
  if (out.empty()) out.push_back("user");
  return out;
}

std::string suffix_base(const external_identity& identity) {
  // The first suggestion even when reserved: "admin" becomes "admin_3f9a1c", never "admin".
  auto names = suggested_names(identity);
  auto base = names.empty() ? std::string("user") : names.front();
  return base.substr(0, 140);
}

}  // namespace sg
