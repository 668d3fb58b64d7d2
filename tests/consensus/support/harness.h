#pragma once
// A synchronous test harness for rule-level tests: N replicas in one process,
// messages delivered immediately (FIFO) unless a drop filter says otherwise,
// time advanced explicitly.

#include <deque>
#include <functional>
#include <map>
#include <memory>

#include "consensus/replica.h"
#include "mem_log.h"

namespace caudal::consensus::testing {

struct test_node {
  node_id id = no_node;
  mem_log log;
  mem_store store;
  std::unique_ptr<replica> r;
};

class harness {
public:
  harness(std::vector<node_id> voters, std::vector<node_id> observers = {},
          replica_config base = {});
  test_node& node(node_id id) { return *nodes_.at(id); }
  replica& rep(node_id id) { return *nodes_.at(id)->r; }
  /// Recreates the replica from its store and log (after crash() if asked).
  void restart(node_id id, bool crash);
  /// Delivers queued messages until none are left (or `max` deliveries).
  void settle(int max = 100000);
  /// Advances time in `step` ms increments, ticking everyone and settling.
  void advance(int64_t ms, int64_t step = 10);
  /// Ticks until some node leads (or `limit_ms` passes); returns it.
  node_id elect(int64_t limit_ms = 20000);
  /// The leader of the highest epoch among all nodes, or no_node.
  node_id leader() const;
  append_result append(node_id at, const std::string& payload);

  std::function<bool(node_id from, node_id to, const message&)> drop;
  std::vector<std::pair<node_id, outbound>> sent; // everything ever sent
  int64_t now = 0;

private:
  void collect(node_id from);
  replica_config base_;
  std::vector<node_id> voters_;
  std::map<node_id, std::unique_ptr<test_node>> nodes_;
  std::deque<std::pair<node_id, outbound>> queue_;
  uint64_t seed_ = 1;
};

} // namespace caudal::consensus::testing
