#include "dev-idp/idp_state.hpp"

#include "core/crypto.hpp"

namespace sg::dev {

void idp_state::add_client(dev_client client) {
  std::lock_guard lock(mutex_);
  clients_[client.id] = std::move(client);
}

void idp_state::add_user(dev_user user) {
  std::lock_guard lock(mutex_);
  if (user.id == 0) user.id = next_id_++;
  users_[user.login] = std::move(user);
}

std::optional<dev_client> idp_state::client(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return std::nullopt;
  return it->second;
}

std::optional<dev_user> idp_state::user(const std::string& login, bool auto_create) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(login);
  if (it != users_.end()) return it->second;
  if (!auto_create || login.empty() || login.size() > 64) return std::nullopt;
  dev_user created{login, next_id_++, login, {{login + "@users.dev-idp.test", true, true}}};
  users_[login] = created;
  return created;
}

std::vector<dev_user> idp_state::users() const {
  std::lock_guard lock(mutex_);
  std::vector<dev_user> out;
  for (const auto& [login, user] : users_) out.push_back(user);
  return out;
}

std::string idp_state::issue_code(issued_code code) {
  auto value = random_token(20);
  std::lock_guard lock(mutex_);
  // Forget expired codes so that abandoned logins do not accumulate.
  auto now = std::chrono::steady_clock::now();
  for (auto it = codes_.begin(); it != codes_.end();) it = it->second.expires < now ? codes_.erase(it) : std::next(it);
  codes_[value] = std::move(code);
  return value;
}

std::optional<issued_code> idp_state::take_code(const std::string& code) {
  std::lock_guard lock(mutex_);
  auto it = codes_.find(code);
  if (it == codes_.end()) return std::nullopt;
  auto issued = it->second;
  codes_.erase(it);
  if (issued.expires < std::chrono::steady_clock::now()) return std::nullopt;
  return issued;
}

std::string idp_state::issue_token(const std::string& login) {
  auto token = "gho_" + random_token(27);
  std::lock_guard lock(mutex_);
  tokens_[token] = login;
  return token;
}

std::optional<dev_user> idp_state::user_for_token(const std::string& token) const {
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) return std::nullopt;
  auto user = users_.find(it->second);
  if (user == users_.end()) return std::nullopt;
  return user->second;
}

dev_user user_from_json(const nlohmann::json& doc) {
  dev_user user;
  user.login = doc.at("login").get<std::string>();
  user.id = doc.value("id", 0LL);
  user.name = doc.value("name", user.login);
  if (doc.contains("emails"))
    for (const auto& e : doc.at("emails"))
      user.emails.push_back({e.at("email").get<std::string>(), e.value("primary", false), e.value("verified", false)});
  return user;
}

nlohmann::json user_to_json(const dev_user& user) {
  nlohmann::json emails = nlohmann::json::array();
  for (const auto& e : user.emails) emails.push_back({{"email", e.email}, {"primary", e.primary}, {"verified", e.verified}});
  return {{"login", user.login}, {"id", user.id}, {"name", user.name}, {"emails", emails}};
}

}  // namespace sg::dev
