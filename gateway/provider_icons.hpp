#pragma once
// Display names and icons of the social providers the methods listing always names.
#include <string>
#include <vector>

namespace sg {
struct social_method {
  std::string slug;
  std::string public_name;
  std::string icon;
};
const std::vector<social_method>& social_methods();
}  // namespace sg
