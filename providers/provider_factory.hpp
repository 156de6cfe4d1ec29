#pragma once
#include <memory>
#include <vector>

#include "core/config.hpp"
#include "providers/provider.hpp"

namespace sg {
// One provider object per enabled provider, in a stable order.
std::vector<std::shared_ptr<provider>> make_providers(const service_config& config);
}  // namespace sg
