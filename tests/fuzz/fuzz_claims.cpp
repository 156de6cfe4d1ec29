// Claim validation at the provider boundary: arbitrary bytes as email, names and subject give a
// provider_error or an identity whose claims keep the promises of claim_validation.hpp; a broken
// promise aborts, so libFuzzer reports it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "providers/claim_validation.hpp"
#include "providers/provider.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}

bool has_control_or_space(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x21 || c == 0x7f) return true;
  return false;
}

// Fields separated by 0x01 bytes: subject, email, first name, last name, username.
std::string field(const std::string& input, int index) {
  std::size_t begin = 0;
  for (int i = 0; i < index; ++i) {
    begin = input.find('\x01', begin);
    if (begin == std::string::npos) return "";
    ++begin;
  }
  return input.substr(begin, input.find('\x01', begin) - begin);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  sg::external_identity raw;
  raw.provider = "fuzz";
  raw.subject = field(input, 0);
  raw.email = field(input, 1);
  raw.email_verified = size % 2 == 0;
  raw.first_name = field(input, 2);
  raw.last_name = field(input, 3);
  raw.preferred_username = field(input, 4);
  sg::provider_descriptor descriptor;
  descriptor.slug = "fuzz";
  sg::external_identity out;
  try {
    out = sg::validated_identity(raw, descriptor);
  } catch (const sg::provider_error&) {
    return 0;
  }
  require(!out.subject.empty() && out.subject.size() <= sg::max_subject_bytes);
  for (unsigned char c : out.subject) require(c >= 0x20 && c != 0x7f);
  if (out.email.empty()) {
    require(!out.email_verified);
  } else {
    require(out.email.size() <= sg::max_email_bytes && !has_control_or_space(out.email));
    auto at = out.email.find('@');
    require(at != std::string::npos && at > 0 && at + 1 < out.email.size() && out.email.find('@', at + 1) == std::string::npos);
    for (std::size_t i = at; i < out.email.size(); ++i) require(!(out.email[i] >= 'A' && out.email[i] <= 'Z'));
    require(sg::validated_email(out.email) == out.email);  // idempotent (and so valid UTF-8)
  }
  for (const auto* name : {&out.first_name, &out.last_name, &out.preferred_username}) {
    require(name->size() <= sg::max_name_bytes);
    for (unsigned char c : *name) require(c >= 0x20 && c != 0x7f);
    require(name->empty() || (name->front() != ' ' && name->back() != ' '));
    require(sg::validated_name(*name) == *name);  // idempotent (and so valid UTF-8)
  }
  return 0;
}
