#include "session-store/session_user_view.hpp"

#include "core/crypto.hpp"

namespace sg {
namespace {
// Session hash fields. "username" is always written with the view, so its presence tells a
// session that carries the view from an older one.
constexpr const char* username_field = "username";
constexpr const char* email_field = "email";
constexpr const char* vouched_field = "email_vouched";
}  // namespace

std::optional<session_user_view> user_view_from_hash(const redis_value& user_hash) {
  if (user_hash.elements.empty()) return std::nullopt;
  session_user_view view;
  std::string email;
  bool verified = false, trusted = false;
  const auto& fields = user_hash.elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const auto& name = fields[i].text;
    const auto& value = fields[i + 1].text;
    if (name == "username") view.username = value;
    else if (name == "email") email = value;
    else if (name == "email_verified") verified = value == "1";
    else if (name == "email_trusted") trusted = value == "1";
  }
  // The rule of user_record::email_vouched.
  view.email_vouched = verified && trusted;
  if (view.email_vouched) view.email = email;
  return view;
}

std::optional<session_user_view> user_view_from_session(const std::vector<redis_value>& session_fields) {
  session_user_view view;
  bool present = false;
  for (std::size_t i = 0; i + 1 < session_fields.size(); i += 2) {
    const auto& name = session_fields[i].text;
    const auto& value = session_fields[i + 1].text;
    if (name == username_field) {
      view.username = value;
      present = true;
    } else if (name == email_field) {
      view.email = value;
    } else if (name == vouched_field) {
      view.email_vouched = value == "1";
    }
  }
  if (!present) return std::nullopt;
  if (!view.email_vouched) view.email.clear();
  return view;
}

std::vector<std::string> session_fields_of(const session_user_view& view) {
  return {username_field, view.username, email_field, view.email_vouched ? view.email : "",
          vouched_field,  view.email_vouched ? "1" : "0"};
}

std::string user_view_stamp(const session_user_view& view) {
  std::string joined;
  for (const auto& part : session_fields_of(view)) joined += std::to_string(part.size()) + ":" + part + ";";
  return sha256_hex(joined).substr(0, 32);
}

const redis_script& write_user_view_script() {
  static const redis_script script(R"lua(
if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
)lua");
  return script;
}

}  // namespace sg
