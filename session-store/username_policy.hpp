#pragma once
// Username rules of SPEC section 5.
#include <string>
#include <string_view>
#include <vector>

#include "core/identity.hpp"

namespace sg {

// At least 5 characters, all of [A-Za-z0-9_.@+-].
bool is_valid_username(std::string_view name);
// Names nobody gets as is, whichever IdP asserts them ("admin", "root", ...): they would read as
// an operator's or the system's in CVAT and in the forward-auth headers. Case-insensitive. The
// one list lives in username_policy.cpp.
bool is_reserved_username(std::string_view name);
// Latin letters with diacritics become their base letter; other non-ASCII is dropped; lower case.
std::string ascii_fold_lower(std::string_view utf8);
// Candidates in order of preference: the IdP's username when valid, then first name, last
// name, the email's local part (folded). Empty strings are skipped; the caller adds suffixes.
// Reserved names are never among the candidates to claim as is (see suffix_base).
std::vector<std::string> username_candidates(const external_identity& identity);
// The stem that gets a random suffix when no candidate is free (or all were reserved/short).
std::string suffix_base(const external_identity& identity);

}  // namespace sg
