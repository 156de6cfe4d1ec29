#pragma once
// Fault injection per provider personality, switchable at run time, for failure tests and
// load tests. POST /_dev/faults?target=<github|google|cognito|oidc>&latency_ms=&error_rate=
// &hang=&close_mid_body=&oversize=&malformed=&bad_utf8= (omitted values reset to "behave"). Faults apply
// to what socialgate calls server-to-server, never to the browser-facing authorize page.
#include <httplib.h>

#include <map>
#include <mutex>
#include <string>

namespace sg::dev {

struct fault_settings {
  int latency_ms = 0;
  double error_rate = 0;  // share of 503 answers, 0..1
  bool hang = false;      // never answer (until switched off or 120 s)
  bool close_mid_body = false;
  bool oversize = false;  // a 3 MiB body
  bool malformed = false; // 200 with broken JSON
  bool bad_utf8 = false;  // the user/userinfo call answers 200 with a JSON string holding invalid UTF-8
};

class fault_switches {
 public:
  fault_settings get(const std::string& target) const;
  void set(const std::string& target, fault_settings settings);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, fault_settings> settings_;
};

// Which personality a path belongs to ("" for dev controls and authorize pages).
std::string fault_target(const std::string& path);
// Whether `path` is the call that fetches the signed-in user (GitHub /user, OIDC userinfo).
bool is_user_call(const std::string& path);
void install_fault_injection(httplib::Server& server, fault_switches& switches);

}  // namespace sg::dev
