#pragma once
// The provider boundary (SPEC section 5): what any IdP says about a person is validated here,
// once, before it is stored or sent anywhere, whichever provider it came from.
#include "core/identity.hpp"
#include "providers/provider_descriptor.hpp"

namespace sg {

// Returns the identity with its claims validated and with `email_trusted` taken from the
// provider's descriptor.
external_identity validated_identity(external_identity raw, const provider_descriptor& provider);

}  // namespace sg
