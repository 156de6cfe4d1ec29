#pragma once
// An IdP's answer about a person, as the stores receive it after claim validation.
#include <string>

#include "core/identity.hpp"

namespace sg::test {

inline external_identity make_identity(const std::string& provider, const std::string& subject,
                                       const std::string& email, bool verified, bool trusted,
                                       const std::string& username = "") {
  external_identity id;
  id.provider = provider;
  id.subject = subject;
  id.email = email;
  id.email_verified = verified;
  id.email_trusted = trusted;
  id.preferred_username = username;
  return id;
}

}  // namespace sg::test
