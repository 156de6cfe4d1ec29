#pragma once
// Every store operation, every script path the stores have, against any Redis executor: the
// one-slot checks run it against a cluster-mode redis-server (store_scripts_test) and through the
// Cluster backend on a real three-master cluster (redis_cluster_test), then read what ran.
#include <string>

#include "session-store/redis_executor.hpp"

namespace sg::test {

// Leaves a user "alice-renamed" (id returned) with no session; the flow, code, rate-limit and
// session keys it made stay as the stores leave them. Blocking: `redis` completes inline.
std::string run_every_store_operation(redis_executor& redis);

}  // namespace sg::test
