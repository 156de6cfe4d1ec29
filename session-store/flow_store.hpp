#pragma once
// OAuth flow records: written at login start, consumed exactly once at the callback.
// The key is a hash of `state`, so a Redis dump yields no usable state value.
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"
#include "session-store/redis_executor.hpp"

namespace sg {

struct flow_record {
  std::string provider;       // slug the flow was started for
  std::string code_verifier;  // PKCE
  std::string redirect_uri;   // exact value sent to the IdP; the token request repeats it
  std::string next;           // validated landing URL
  std::string binding_hash;   // hash of the browser-binding cookie
  std::string nonce;          // OIDC
  std::string process = "login";  // CVAT's `process`: login or connect
  std::string scope;              // CVAT's extra scopes, as asked (echoed to the CVAT UI)
  std::string auth_params;        // CVAT's extra authorize parameters, as asked
  std::string connect_user_id;    // process=connect: the signed-in user to link to
  long long created_at = 0;   // unix seconds
};

// Bounds on open flows, so that starting logins without finishing them cannot fill Redis.
struct flow_limits {
  long per_browser = 20;   // a browser's oldest open flows are dropped beyond this
  long per_address = 3000;  // flow starts per client address per TTL window; beyond: refused
};

enum class flow_put_result { stored, address_limit };

// What a callback's attempt to take a flow found. Only `consumed` deleted anything.
enum class flow_claim_status { consumed, missing, other_browser, other_provider };
struct flow_claim {
  flow_claim_status status = flow_claim_status::missing;
  std::optional<flow_record> record;  // set when consumed
};

class flow_store {
 public:
  flow_store(redis_executor& redis, std::string prefix, long ttl_seconds, flow_limits limits = {})
      : redis_(redis), prefix_(std::move(prefix)), ttl_seconds_(ttl_seconds), limits_(limits) {}

  // Stores the flow and applies the limits: the address's start counter first (a refused start
  // writes nothing else), then the record (SET NX), then the browser's set of open flows, whose
  // oldest beyond the cap are dropped. Each step touches one key (one Redis Cluster slot).
  task<flow_put_result> put(std::string state, flow_record record, std::string client_address = "");
  // The callback's way in: one Lua check-and-delete that deletes the flow only when it was
  // started by this browser (`binding_hash`, the hash of the caller's binding cookie; empty when
  // it has none) for this provider. Anyone else who saw the state (Referer, logs) consumes
  // nothing, so they cannot cancel the right browser's login. A second consume finds nothing.
  task<flow_claim> consume_for(std::string state, std::string binding_hash, std::string provider);
  // True while the browser with this binding has a login open (its set of open flows exists):
  // only then was the binding issued by socialgate and still in use. A binding cookie that is
  // not (one another site or a man in the middle planted, or one whose flows all ended) is
  // never adopted: login start issues a fresh one.
  task<bool> browser_has_open_flows(std::string binding_hash);
  std::string key_for(const std::string& state) const;
  long ttl_seconds() const { return ttl_seconds_; }
  // Counted over all replicas: flows started, and flows consumed by a callback.
  struct counts {
    long long started = 0;
    long long finished = 0;
  };
  task<counts> totals();

 private:
  task<void> drop_oldest_beyond_cap(std::string browser_key, std::vector<redis_value> members, std::string kept);

  redis_executor& redis_;
  std::string prefix_;
  long ttl_seconds_;
  flow_limits limits_;
};

}  // namespace sg
