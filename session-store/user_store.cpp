#include "session-store/user_store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/log.hpp"
#include "session-store/account_scripts.hpp"
#include "session-store/key_migration.hpp"
#include "session-store/username_policy.hpp"

namespace sg {
namespace {
// Candidate ids per script call: a collision of 64-bit random ids is already negligible; four
// make "every candidate taken" impossible in practice, and the caller still retries.
constexpr int ids_per_call = 4;
constexpr int suffixed_names_per_call = 8;
constexpr int attempts = 4;

// `count` names `<base>_<6 hex digits>` from one draw of random bytes (3 bytes each): a login
// makes eight, and one RAND_bytes call instead of eight (each with a SHA-256) was a tenth of a
// login's instructions.
std::vector<std::string> suffixed(const std::string& base, int count) {
  static constexpr char hex[] = "0123456789abcdef";
  auto bytes = random_bytes(static_cast<std::size_t>(count) * 3);
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    std::string name = base + "_";
    for (int j = 0; j < 3; ++j) {
      auto c = static_cast<unsigned char>(bytes[static_cast<std::size_t>(i * 3 + j)]);
      name += hex[c >> 4];
      name += hex[c & 15];
    }
    names.push_back(std::move(name));
  }
  return names;
}

[[noreturn]] void refused_by_acl(const std::string& command) {
  throw redis_command_error("Redis refused the account write " + command +
                            " (ACL of the Redis user): nothing was written");
}
}  // namespace

session_user_view user_view_of(const user_record& user) {
  session_user_view view;
  view.username = user.username;
  view.email_vouched = user.email_vouched();
  if (view.email_vouched) view.email = user.email;
  return view;
}

std::string lower_ascii(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string account_key_prefix(const std::string& prefix) { return "{" + prefix + "acct}:"; }

std::string new_user_id() {
  for (;;) {
    auto bytes = random_bytes(8);
    std::uint64_t value = 0;
    for (unsigned char b : bytes) value = (value << 8) | b;
    if (value != 0) return std::to_string(value);
  }
}

std::string user_store::identity_key(const std::string& provider, const std::string& subject) const {
  return prefix_ + "identity:" + provider + ":" + subject;
}

std::string user_store::email_key(const std::string& email) const { return prefix_ + "email:" + lower_ascii(email); }

std::string user_store::username_key(const std::string& username) const {
  return prefix_ + "username:" + lower_ascii(username);
}

task<void> user_store::ensure_key_layout() {
  if (layout_checked_) co_return;
  std::optional<std::string> found;
  try {
    found = co_await find_old_layout_key(redis_, base_prefix_);
  } catch (const redis_command_error& e) {
    // The Redis user may not run SCAN (an ACL): nothing to learn; never fail every login for it.
    log_event(log_level::warning, "key_layout_unchecked", {{"reason", e.what()}});
  }
  if (found) {
    log_event(log_level::error, "old_key_layout",
              {{"keys", *found}, {"fix", "stop every replica and run `socialgate migrate-keys` once"}});
    throw redis_unavailable("Redis holds account keys of the old layout; run socialgate migrate-keys");
  }
  layout_checked_ = true;
}

task<std::optional<user_record>> user_store::find(std::string id) {
  std::vector<redis_command_args> reads{{"HGETALL", user_key(id)}, {"SMEMBERS", identities_key(id)}};
  auto replies = co_await redis_.exec_pipeline(std::move(reads));
  if (replies[0].elements.empty()) co_return std::nullopt;
  user_record user;
  user.id = id;
  const auto& fields = replies[0].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const auto& name = fields[i].text;
    const auto& value = fields[i + 1].text;
    if (name == "username") user.username = value;
    else if (name == "email") user.email = value;
    else if (name == "email_verified") user.email_verified = value == "1";
    else if (name == "email_trusted") user.email_trusted = value == "1";
    else if (name == "first_name") user.first_name = value;
    else if (name == "last_name") user.last_name = value;
    else if (name == "created_via") user.created_via = value;
    else if (name == "created") user.created = std::atoll(value.c_str());
  }
  for (const auto& member : replies[1].elements) user.identities.push_back(member.text);
  std::sort(user.identities.begin(), user.identities.end());
  co_return user;
}

task<provision_result> user_store::provision(external_identity identity, std::string created_via) {
  co_await ensure_key_layout();
  const bool has_email = !identity.email.empty();
  // Usernames offered as is: valid and never reserved (username_policy).
  std::vector<std::string> plain;
  for (const auto& candidate : username_candidates(identity))
    if (is_valid_username(candidate)) plain.push_back(candidate);
  const auto base = suffix_base(identity);

  // Bounded retries with fresh random ids and suffixes; never recursion.
  for (int attempt = 0; attempt < attempts; ++attempt) {
    std::vector<std::string> keys{identity_key(identity.provider, identity.subject)};
    if (has_email) keys.push_back(email_key(identity.email));
    std::vector<std::string> args{prefix_,
                                  identity.provider + ":" + identity.subject,
                                  identity.email,
                                  identity.email_verified ? "1" : "0",
                                  identity.email_trusted ? "1" : "0",
                                  identity.first_name,
                                  identity.last_name,
                                  created_via,
                                  std::to_string(unix_now())};
    args.push_back(std::to_string(ids_per_call));
    for (int i = 0; i < ids_per_call; ++i) args.push_back(new_user_id());
    args.push_back(std::to_string(plain.size() + suffixed_names_per_call));
    for (const auto& name : plain) args.push_back(name);
    for (auto& name : suffixed(base, suffixed_names_per_call)) args.push_back(std::move(name));

    auto reply = co_await redis_.eval(account_scripts::provision(), std::move(keys), std::move(args));
    if (reply.elements.size() != 2) throw redis_command_error("unexpected reply from the provisioning script");
    const auto status = reply.elements[0].text;
    const auto user_id = reply.elements[1].text;
    if (status == "no_id" || status == "no_username") continue;
    if (status == "denied") refused_by_acl(user_id);
    if (status == "conflict")
      // Never says which provider the existing account uses: that would tell anyone who types an
      // address how its owner signs in.
      throw account_conflict(
          "An account with this email address already exists. Sign in as usual, then link this "
          "provider from your account.");
    auto user = co_await find(user_id);
    if (!user) throw redis_command_error("the user just provisioned is missing");
    co_return provision_result{std::move(*user), status == "created", status == "joined"};
  }
  throw redis_command_error("could not find a free user id and username");
}

task<user_record> user_store::connect(external_identity identity, std::string user_id) {
  co_await ensure_key_layout();
  std::vector<std::string> keys{identity_key(identity.provider, identity.subject)};
  std::vector<std::string> args{prefix_, user_id, identity.provider + ":" + identity.subject};
  auto reply = co_await redis_.eval(account_scripts::connect(), std::move(keys), std::move(args));
  if (reply.elements.size() != 2) throw redis_command_error("unexpected reply from the link script");
  const auto& status = reply.elements[0].text;
  if (status == "denied") refused_by_acl(reply.elements[1].text);
  if (status == "no_user") throw account_conflict("The signed-in user no longer exists. Sign in again.");
  if (status == "conflict") throw account_conflict("This sign-in is already linked to another account.");
  auto user = co_await find(user_id);
  if (!user) throw account_conflict("The signed-in user no longer exists. Sign in again.");
  co_return std::move(*user);
}

}  // namespace sg
