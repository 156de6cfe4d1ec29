#include "gateway/http/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace sg {

bool header_name_less::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) < std::tolower(y);
  });
}

namespace {
// The first of equal keys (multimap::find may return any of them).
template <class Map>
std::string first_value(const Map& map, const std::string& name) {
  auto it = map.lower_bound(name);
  if (it == map.end() || map.key_comp()(name, it->first)) return {};
  return it->second;
}
}  // namespace

std::string http_request::get_header_value(const std::string& name) const { return first_value(headers, name); }
std::string http_request::get_param_value(const std::string& name) const { return first_value(params, name); }
std::string http_response::get_header_value(const std::string& name) const { return first_value(headers, name); }

}  // namespace sg
