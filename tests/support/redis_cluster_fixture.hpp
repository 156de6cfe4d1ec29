#pragma once
// A real Redis Cluster for one test (issue 14): `masters` redis-server processes in cluster mode
// on random loopback ports, joined by `redis-cli --cluster create` (no replicas), ready when every
// node says cluster_state:ok. And the resharding an operator does by hand, one slot at a time,
// with a pause between its steps so a test can send commands while the slot is half-migrated
// (ASK) and after it moved (MOVED).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "session-store/redis_pool.hpp"
#include "support/process.hpp"

namespace sg::test {

class redis_cluster {
 public:
  explicit redis_cluster(const std::string& scratch, std::size_t masters = 3);
  ~redis_cluster();
  redis_cluster(const redis_cluster&) = delete;
  redis_cluster& operator=(const redis_cluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  int port(std::size_t node) const;
  // "127.0.0.1:a,127.0.0.1:b,127.0.0.1:c": REDIS_CLUSTER_NODES.
  std::string addresses() const;
  // A plain client of one node (no redirections followed): to look at what is stored where.
  redis_pool& client(std::size_t node);
  std::string node_id(std::size_t node);

  // Which node serves `slot` now, as node 0 (or the first one alive) sees it.
  std::size_t owner_of(std::uint16_t slot);
  // Keys of one node, by SCAN (MATCH pattern), at most `limit`.
  std::vector<std::string> keys_of(std::size_t node, const std::string& pattern, std::size_t limit = 100000);

  void kill(std::size_t node);
  bool running(std::size_t node);

  // Moves `slot` from its owner to node `to` as `redis-cli --cluster reshard` does: IMPORTING on
  // the target, MIGRATING on the source, the keys by MIGRATE in batches of `batch` keys, then
  // SETSLOT NODE on every master. `pause` runs at each step named below; it may send commands
  // (the cluster is in that state while it runs).
  enum class step {
    marked,        // IMPORTING/MIGRATING set, no key moved yet
    batch_moved,   // one more batch of keys is on the target (the slot is still migrating)
    keys_moved,    // every key is on the target, the slot still belongs to the source: ASK
    assigned,      // the target owns the slot on every master: MOVED
  };
  void migrate_slot(std::uint16_t slot, std::size_t to, const std::function<void(step)>& pause = {},
                    std::size_t batch = 10);

 private:
  struct node;
  bool launch(node& n, int port);
  std::string scratch_;
  std::vector<std::unique_ptr<node>> nodes_;
};

}  // namespace sg::test
