// Node commands: registration, fencing, decommissioning.

#include "metadata/command_support.h"
#include "metadata/errors.h"

namespace caudal::metadata {

using namespace detail;

namespace {

std::string node_name(node_id id) { return std::to_string(id); }

command_result single(item_result item, std::vector<record> records = {}) {
  command_result out;
  out.items.push_back(std::move(item));
  if (out.items.back().error == 0) out.records = std::move(records);
  return out;
}

/// `first`, then what fencing the node implies on the image it leaves.
std::vector<record> with_isr_drops(const image& img, node_id id, record first) {
  std::vector<record> out{std::move(first)};
  auto drops = drop_from_isrs(img, id);
  out.insert(out.end(), drops.begin(), drops.end());
  return out;
}

} // namespace

command_result register_node_cmd(const image& img, const register_node& reg) {
  auto name = node_name(reg.id);
  if (reg.id < 0) return single(error_item(name, errc::invalid_request, "Node id must be >= 0."));
  const auto* n = img.node(reg.id);
  if (n && n->registration.incarnation == reg.incarnation) {
    if (n->registration == reg) return single(ok_item(name)); // a retried request
    return single(error_item(name, errc::duplicate_broker_registration,
                             "Node " + name + " is already registered with this incarnation."));
  }
  // A new incarnation restarted: until it catches up it leads nothing and is
  // in no ISR, exactly as if it had been fenced.
  return single(ok_item(name), with_isr_drops(img, reg.id, reg));
}

command_result fence_node_cmd(const image& img, node_id id) {
  auto name = node_name(id);
  const auto* n = img.node(id);
  if (!n) return single(error_item(name, errc::broker_id_not_registered, "Unknown node."));
  if (n->fenced) return single(ok_item(name));
  return single(ok_item(name), with_isr_drops(img, id, fence_node{id}));
}

command_result unfence_node_cmd(const image& img, node_id id, uint64_t incarnation) {
  auto name = node_name(id);
  const auto* n = img.node(id);
  if (!n) return single(error_item(name, errc::broker_id_not_registered, "Unknown node."));
  if (n->registration.incarnation != incarnation)
    return single(error_item(name, errc::stale_broker_epoch, "Stale incarnation."));
  if (!n->fenced) return single(ok_item(name));
  return single(ok_item(name), {unfence_node{id}});
}

command_result decommission_node_cmd(const image& img, node_id id) {
  auto name = node_name(id);
  const auto* n = img.node(id);
  if (!n) return single(error_item(name, errc::broker_id_not_registered, "Unknown node."));
  // Every other registered, not decommissioned node may keep its replicas;
  // rebalance prefers live ones as receivers.
  std::vector<node_id> targets;
  for (const auto& [other, st] : img.nodes)
    if (other != id && !st.decommissioned) targets.push_back(other);
  auto plan = rebalance(img, targets, /*balance=*/false);
  if (plan.error != 0) return single(error_item(name, plan.error, plan.message));
  std::vector<record> records{decommission_node{id}};
  auto moves = reassignment_records(img, plan);
  records.insert(records.end(), moves.begin(), moves.end());
  return single(ok_item(name), std::move(records));
}

} // namespace caudal::metadata
