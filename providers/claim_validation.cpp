#include "providers/claim_validation.hpp"

namespace sg {

external_identity validated_identity(external_identity raw, const provider_descriptor& provider) {
  raw.email_trusted = provider.trust_email;
  return raw;
}

}  // namespace sg
