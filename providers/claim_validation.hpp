#pragma once
// The provider boundary (SPEC section 5): what any IdP says about a person is validated here,
// once, before it is stored or sent anywhere, whichever provider it came from.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/identity.hpp"
#include "providers/provider_descriptor.hpp"

namespace sg {

// Names and usernames longer than this are cut (on a UTF-8 character boundary).
inline constexpr std::size_t max_name_bytes = 150;
// RFC 5321's limit on a forward path: a longer address is not an address.
inline constexpr std::size_t max_email_bytes = 254;
// A subject is a key: the IdP's own limit is 255 ASCII characters (OIDC Core 2).
inline constexpr std::size_t max_subject_bytes = 255;

// Returns the identity with its claims validated and with `email_trusted` taken from the
// provider's descriptor:
// - email: counts as absent (empty, not verified) when it is not valid UTF-8, has a control
//   character or any whitespace, has other than exactly one '@', an empty local part or domain,
//   or is longer than 254 bytes; the domain is lowercased, the local part kept as it is.
// - first/last name and preferred username: control and bidi-override characters removed,
//   surrounding whitespace trimmed, cut to 150 bytes; invalid UTF-8 counts as absent.
// - subject: must be non-empty, at most 255 bytes, valid UTF-8 and free of control characters;
//   otherwise the IdP answered something unusable: provider_error(bad_response).
external_identity validated_identity(external_identity raw, const provider_descriptor& provider);

// The pieces, for tests and fuzzers (each also refuses invalid UTF-8: "" for it).
std::string validated_email(std::string_view raw);  // "" when unusable
std::string validated_name(std::string_view raw, std::size_t max_bytes = max_name_bytes);

}  // namespace sg
