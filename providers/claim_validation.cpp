#include "providers/claim_validation.hpp"

#include <optional>
#include <vector>

#include "core/utf8.hpp"
#include "providers/provider.hpp"

namespace sg {
namespace {

// C0, DEL and C1: never part of a name or an address (NUL ends strings in C, TAB and newlines
// split header values and log lines).
bool is_control(char32_t c) { return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f); }

bool is_whitespace(char32_t c) {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

// Invisible characters that make one string display as another: zero-width space, word
// joiner, byte-order mark, and the bidirectional embeddings, overrides and isolates.
bool is_invisible(char32_t c) {
  return c == 0x200b || c == 0x2060 || c == 0xfeff || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

struct decoded_char {
  char32_t value;
  std::size_t begin;
  std::size_t end;
};

std::optional<std::vector<decoded_char>> decode(std::string_view text) {
  std::vector<decoded_char> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto begin = pos;
    auto c = next_code_point(text, pos);
    if (!c) return std::nullopt;
    out.push_back({*c, begin, pos});
  }
  return out;
}

void check_subject(const std::string& subject) {
  using kind = provider_error::kind;
  if (subject.empty()) throw provider_error(kind::bad_response, "the IdP named no subject");
  if (subject.size() > max_subject_bytes)
    throw provider_error(kind::bad_response, "the IdP's subject is longer than 255 bytes");
  auto chars = decode(subject);
  if (!chars) throw provider_error(kind::bad_response, "the IdP's subject is not valid UTF-8");
  for (const auto& c : *chars)
    if (is_control(c.value)) throw provider_error(kind::bad_response, "the IdP's subject holds a control character");
}

}  // namespace

std::string validated_email(std::string_view raw) {
  if (raw.empty() || raw.size() > max_email_bytes) return "";
  auto chars = decode(raw);
  if (!chars) return "";
  std::size_t at = std::string_view::npos;
  for (const auto& c : *chars) {
    // Any of these would make an address that displays, or is sent in a header, as another.
    if (is_control(c.value) || is_whitespace(c.value) || is_invisible(c.value)) return "";
    if (c.value == '@') {
      if (at != std::string_view::npos) return "";  // exactly one '@'
      at = c.begin;
    }
  }
  if (at == std::string_view::npos || at == 0 || at + 1 == raw.size()) return "";
  std::string local(raw.substr(0, at));
  std::string domain(raw.substr(at + 1));
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string::npos) return "";
  // Domains are case-insensitive (RFC 5321 2.4); the local part may not be, so it is kept.
  for (auto& c : domain)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return local + "@" + domain;
}

std::string validated_name(std::string_view raw, std::size_t max_bytes) {
  auto chars = decode(raw);
  if (!chars) return "";
  std::vector<decoded_char> kept;
  for (const auto& c : *chars)
    if (!is_control(c.value) && !is_invisible(c.value)) kept.push_back(c);
  std::size_t first = 0, last = kept.size();
  while (first < last && is_whitespace(kept[first].value)) ++first;
  while (last > first && is_whitespace(kept[last - 1].value)) --last;
  // Whole characters only, then trim again: the cut may end on a space.
  std::size_t bytes = 0, end = first;
  for (; end < last; ++end) {
    auto size = kept[end].end - kept[end].begin;
    if (bytes + size > max_bytes) break;
    bytes += size;
  }
  while (end > first && is_whitespace(kept[end - 1].value)) --end;
  std::string out;
  for (std::size_t i = first; i < end; ++i) out += raw.substr(kept[i].begin, kept[i].end - kept[i].begin);
  return out;
}

external_identity validated_identity(external_identity raw, const provider_descriptor& provider) {
  check_subject(raw.subject);
  auto email = validated_email(raw.email);
  if (email.empty()) raw.email_verified = false;  // nothing to be verified
  raw.email = std::move(email);
  raw.first_name = validated_name(raw.first_name);
  raw.last_name = validated_name(raw.last_name);
  raw.preferred_username = validated_name(raw.preferred_username);
  raw.email_trusted = provider.trust_email;
  return raw;
}

}  // namespace sg
