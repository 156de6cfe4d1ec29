#pragma once
// What an identity provider tells us about the person who signed in, in provider-neutral form.
#include <string>

namespace sg {

struct external_identity {
  std::string provider;  // slug: "github", ...
  std::string subject;   // the IdP's stable key (GitHub's numeric id, OIDC `sub`); never the email
  std::string preferred_username;
  std::string email;     // empty when the IdP gave none we may use
  bool email_verified = false;  // the IdP says the address is verified
  // The IdP is trusted to assert emails (provider_descriptor::trust_email), set at the provider
  // boundary: only a verified address from a trusted IdP may join an existing user.
  bool email_trusted = false;
  std::string first_name;
  std::string last_name;
};

}  // namespace sg
