// Multi-step reassignments: goals and their single steps (see goals.h).
#include "metadata/goals.h"

#include "metadata/command_support.h"
#include "metadata/errors.h"

namespace caudal::metadata {

using namespace detail;

namespace {

std::vector<node_id> holders(const partition_state& st) { return subtract(st.replicas, st.adding); }

std::string describe(const std::string& topic, int32_t partition) {
  return topic + "-" + std::to_string(partition);
}

/// Every goal member must still be able to take a replica.
bool reachable(const image& img, const std::vector<node_id>& goal) {
  if (goal.empty() || has_duplicates(goal)) return false;
  for (auto n : goal) {
    const auto* s = img.node(n);
    if (!s || s->decommissioned) return false;
  }
  return true;
}

void append(std::vector<record>& out, const std::vector<record>& more) {
  out.insert(out.end(), more.begin(), more.end());
}

} // namespace

bool fits_one_step(const partition_state& st, const std::vector<node_id>& target) {
  auto origin = holders(st);
  return subtract(target, origin).size() <= 1 && subtract(origin, target).size() <= 1;
}

std::vector<node_id> next_step(const partition_state& st, const std::vector<node_id>& goal) {
  if (fits_one_step(st, goal)) return goal;
  auto step = holders(st);
  auto in = subtract(goal, step);
  auto out = subtract(step, goal);
  if (!out.empty()) {
    // Keep the leader while another replica can go: fewer leader changes.
    auto leaving = out.front();
    for (auto n : out)
      if (n != st.leader) {
        leaving = n;
        break;
      }
    auto it = std::find(step.begin(), step.end(), leaving);
    if (!in.empty())
      *it = in.front(); // in place: the preferred leader stays first
    else
      step.erase(it);
  } else {
    step.push_back(in.front());
  }
  return step;
}

std::vector<record> continue_goal(const image& img, const uuid& topic, int32_t partition) {
  const auto* goal_ptr = img.reassignment_goal(topic, partition);
  const auto* st = img.partition(topic, partition);
  if (!goal_ptr || !st || st->reassigning()) return {};
  auto goal = *goal_ptr;
  std::vector<record> out;
  image scratch = img;
  // Steps that only remove in-sync replicas complete at once; a few rounds
  // at most (one per replica moved).
  for (size_t round = 0; round <= goal.size() + st->replicas.size(); ++round) {
    const auto& now = *scratch.partition(topic, partition);
    if (now.reassigning()) break;
    std::vector<record> recs;
    if (now.replicas == goal || !reachable(scratch, goal))
      recs.push_back(reassignment_goal{topic, partition, {}});
    else
      recs = start_reassignment(topic, partition, now, next_step(now, goal));
    if (recs.empty()) break;
    for (auto& r : recs) metadata::apply(scratch, r);
    append(out, recs);
    if (!scratch.reassignment_goal(topic, partition)) break;
  }
  return out;
}

command_result reassign_towards(const image& img, const reassignment_request& req) {
  auto name = describe(req.topic, req.partition);
  const auto* t = img.topic(req.topic);
  const auto* st = t ? img.partition(t->id, req.partition) : nullptr;
  if (!st || !req.replicas) return reassign_partitions(img, {req}); // its errors
  const auto& target = *req.replicas;
  command_result out;
  bool had_goal = img.reassignment_goal(t->id, req.partition) != nullptr;
  if (fits_one_step(*st, target)) {
    out = reassign_partitions(img, {req});
    if (had_goal && out.items.front().error == 0)
      out.records.insert(out.records.begin(), reassignment_goal{t->id, req.partition, {}});
    return out;
  }
  if (!reachable(img, target)) {
    out.items.push_back(error_item(name, errc::invalid_replica_assignment,
                                   "Replica list must be non-empty, without duplicates, of "
                                   "known nodes that are not decommissioned."));
    return out;
  }
  out.items.push_back(ok_item(name));
  out.records.push_back(reassignment_goal{t->id, req.partition, target});
  // The first step overrides a step in progress (as a new target would).
  image scratch = img;
  metadata::apply(scratch, out.records.front());
  append(out.records, start_reassignment(t->id, req.partition, *st, next_step(*st, target)));
  for (size_t i = 1; i < out.records.size(); ++i) metadata::apply(scratch, out.records[i]);
  append(out.records, continue_goal(scratch, t->id, req.partition));
  return out;
}

command_result cancel_reassignment(const image& img, const reassignment_request& req) {
  const auto* t = img.topic(req.topic);
  const auto* st = t ? img.partition(t->id, req.partition) : nullptr;
  bool had_goal = st && img.reassignment_goal(t->id, req.partition);
  if (!had_goal) return reassign_partitions(img, {req});
  command_result out;
  if (st->reassigning())
    out = reassign_partitions(img, {req});
  else
    out.items.push_back(ok_item(describe(req.topic, req.partition)));
  out.records.insert(out.records.begin(), reassignment_goal{t->id, req.partition, {}});
  return out;
}

} // namespace caudal::metadata
