// Partition commands: leader reports and reassignments.

#include "metadata/command_support.h"
#include "metadata/errors.h"

namespace caudal::metadata {

using namespace detail;

namespace detail {

std::optional<partition_change> diff(const uuid& topic, int32_t partition,
                                     const partition_state& from, const partition_state& to) {
  if (from == to) return std::nullopt;
  partition_change c{topic, partition, {}, to.leader_epoch, {}, {}, {}, {}};
  if (from.leader != to.leader) c.leader = to.leader;
  if (from.isr != to.isr) c.isr = to.isr;
  if (from.replicas != to.replicas) c.replicas = to.replicas;
  if (from.adding != to.adding) c.adding = to.adding;
  if (from.removing != to.removing) c.removing = to.removing;
  return c;
}

partition_state maybe_complete(partition_state st) {
  if (!st.reassigning()) return st;
  auto target = st.target_replicas();
  for (auto n : target)
    if (!contains(st.isr, n)) return st;
  st.replicas = target;
  st.isr = intersect(st.isr, target);
  st.adding.clear();
  st.removing.clear();
  // A leader being removed must step down; Raft elects one of the target.
  if (!contains(target, st.leader)) st.leader = no_leader;
  return st;
}

std::vector<record> drop_from_isrs(const image& img, node_id id) {
  std::vector<record> out;
  for (const auto& [tid, t] : img.topics)
    for (const auto& [p, st] : t.partitions) {
      auto next = st;
      if (next.isr.size() > 1) next.isr = subtract(next.isr, {id});
      if (next.leader == id) next.leader = no_leader;
      if (auto c = diff(tid, p, st, next)) out.push_back(*c);
    }
  return out;
}

} // namespace detail

std::vector<record> start_reassignment(const uuid& topic, int32_t partition,
                                       const partition_state& st,
                                       const std::vector<node_id>& target) {
  // The replicas that held the data before any pending reassignment: an
  // override starts from them, not from half-added replicas.
  auto origin = subtract(st.replicas, st.adding);
  auto next = st;
  next.replicas = target;
  for (auto n : subtract(origin, target)) next.replicas.push_back(n);
  next.adding = subtract(target, origin);
  next.removing = subtract(origin, target);
  next.isr = intersect(st.isr, next.replicas);
  if (!contains(next.replicas, next.leader)) next.leader = no_leader;
  next = maybe_complete(next);
  if (auto c = diff(topic, partition, st, next)) return {*c};
  return {};
}

std::vector<record> reassignment_records(const image& img, const rebalance_plan& plan) {
  std::vector<record> out;
  for (const auto& m : plan.moves) {
    const auto* st = img.partition(m.partition.topic_id, m.partition.partition);
    if (!st) continue;
    auto recs = start_reassignment(m.partition.topic_id, m.partition.partition, *st, m.to);
    out.insert(out.end(), recs.begin(), recs.end());
  }
  return out;
}

namespace {

std::string describe(const std::string& topic, int32_t partition) {
  return topic + "-" + std::to_string(partition);
}

/// Who may report, and whether the epoch is current: 0 when acceptable.
item_result check_reporter(const image& img, const partition_report& r, std::string name) {
  const auto* n = img.node(r.reporter);
  if (!n) return error_item(name, errc::broker_id_not_registered, "Reporter is not registered.");
  if (n->registration.incarnation != r.incarnation)
    return error_item(name, errc::stale_broker_epoch, "Reporter's incarnation is stale.");
  if (n->fenced)
    return error_item(name, errc::broker_not_available, "Reporter is fenced; heartbeat first.");
  const auto* st = img.partition(r.topic, r.partition);
  if (!img.topic(r.topic)) return error_item(name, errc::unknown_topic_id, "Unknown topic id.");
  if (!st) return error_item(name, errc::unknown_topic_or_partition, "Unknown partition.");
  if (!contains(st->replicas, r.reporter))
    return error_item(name, errc::not_leader_or_follower, "Reporter is not a replica.");
  if (r.leader_epoch < st->leader_epoch)
    return error_item(name, errc::fenced_leader_epoch,
                      "Leader epoch " + std::to_string(r.leader_epoch) + " is older than " +
                          std::to_string(st->leader_epoch) + ".");
  if (r.leader_epoch == st->leader_epoch && st->leader != no_leader && st->leader != r.reporter)
    return error_item(name, errc::not_leader_or_follower, "Another node leads this epoch.");
  return ok_item(std::move(name));
}

item_result check_isr(const image& img, const partition_report& r, const partition_state& st,
                      std::string name) {
  if (!contains(r.isr, r.reporter) || has_duplicates(r.isr))
    return error_item(name, errc::invalid_request, "ISR must hold the leader, once each.");
  for (auto n : r.isr) {
    if (!contains(st.replicas, n))
      return error_item(name, errc::invalid_request,
                        "ISR member " + std::to_string(n) + " is not a replica.");
    // Decommissioned nodes still replicate until drained; fenced ones do not.
    const auto* s = img.node(n);
    if (!s || s->fenced)
      return error_item(name, errc::ineligible_replica,
                        "ISR member " + std::to_string(n) + " is fenced or unknown.");
  }
  return ok_item(std::move(name));
}

} // namespace

command_result report_partitions(const image& img, const std::vector<partition_report>& reports) {
  command_result out;
  image scratch = img; // later reports in the same call see earlier ones
  for (const auto& r : reports) {
    const auto* t = scratch.topic(r.topic);
    auto name = describe(t ? t->name : std::string("?"), r.partition);
    auto item = check_reporter(scratch, r, name);
    if (item.error == 0)
      item = check_isr(scratch, r, *scratch.partition(r.topic, r.partition), name);
    out.items.push_back(item);
    if (item.error != 0) continue;
    const auto& st = *scratch.partition(r.topic, r.partition);
    auto next = st;
    next.leader = r.reporter;
    next.leader_epoch = r.leader_epoch;
    next.isr = r.isr;
    // One voter change per record (consensus/README, "Voter changes"): an
    // added replica the leader reports in sync stops being `adding` (it
    // becomes a voter, for good); the move completes only on a later report,
    // once nothing is being added any more.
    if (st.adding.empty())
      next = maybe_complete(next);
    else
      next.adding = subtract(st.adding, next.isr);
    if (auto c = diff(r.topic, r.partition, st, next)) {
      metadata::apply(scratch, *c);
      out.records.push_back(*c);
    }
  }
  return out;
}

namespace {

item_result check_target(const image& img, const std::vector<node_id>& target, std::string name) {
  if (target.empty() || has_duplicates(target))
    return error_item(name, errc::invalid_replica_assignment,
                      "Replica list must be non-empty, without duplicates.");
  for (auto n : target) {
    const auto* s = img.node(n);
    if (!s || s->decommissioned)
      return error_item(name, errc::invalid_replica_assignment,
                        "Node " + std::to_string(n) + " is unknown or decommissioned.");
  }
  return ok_item(std::move(name));
}

/// The records cancelling a pending reassignment: back to the original set.
std::vector<record> cancel(const uuid& topic, int32_t p, const partition_state& st) {
  auto next = st;
  next.replicas = subtract(st.replicas, st.adding);
  next.adding.clear();
  next.removing.clear();
  next.isr = intersect(st.isr, next.replicas);
  if (!contains(next.replicas, next.leader)) next.leader = no_leader;
  if (auto c = diff(topic, p, st, next)) return {*c};
  return {};
}

} // namespace

command_result reassign_partitions(const image& img, const std::vector<reassignment_request>& req) {
  command_result out;
  image scratch = img;
  for (const auto& r : req) {
    auto name = describe(r.topic, r.partition);
    const auto* t = scratch.topic(r.topic);
    const auto* st = t ? scratch.partition(t->id, r.partition) : nullptr;
    if (!st) {
      out.items.push_back(error_item(name, errc::unknown_topic_or_partition, "Unknown partition."));
      continue;
    }
    auto item = r.replicas ? check_target(scratch, *r.replicas, name) : ok_item(name);
    if (item.error == 0 && !r.replicas && !st->reassigning())
      item = error_item(name, errc::no_reassignment_in_progress, "No reassignment in progress.");
    out.items.push_back(item);
    if (item.error != 0) continue;
    auto recs = r.replicas ? start_reassignment(t->id, r.partition, *st, *r.replicas)
                           : cancel(t->id, r.partition, *st);
    for (auto& rec : recs) metadata::apply(scratch, rec);
    out.records.insert(out.records.end(), recs.begin(), recs.end());
  }
  return out;
}

} // namespace caudal::metadata
