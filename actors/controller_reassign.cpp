// Reassignment and decommission commands on the leader controller.
#include "actors/controller_reassign.h"

#include <algorithm>

#include "metadata/commands.h"
#include "metadata/errors.h"
#include "metadata/goals.h"

namespace caudal::actors {

namespace {

namespace md = metadata;

/// Without `stepwise`, one voter change at a time: at most one in, one out.
std::optional<command_item> too_big(const md::image& img, const reassignment_item& it) {
  if (it.cancel || it.stepwise) return std::nullopt;
  const auto* t = img.topic(it.topic);
  const auto* ps = t ? img.partition(t->id, it.partition) : nullptr;
  if (!ps || md::fits_one_step(*ps, it.replicas)) return std::nullopt;
  return command_item{it.topic + "-" + std::to_string(it.partition),
                      md::errc::invalid_replica_assignment,
                      "Move one replica at a time (at most one added and one removed)."};
}

command_result take(md::image& scratch, md::command_result r, std::vector<md::record>& out) {
  command_result res;
  for (auto& item : r.items) res.items.push_back(command_item{item.name, item.error, item.message});
  md::apply(scratch, r.records);
  out.insert(out.end(), r.records.begin(), r.records.end());
  return res;
}

command_result reassign(md::image& scratch, const reassign_partitions_cmd& c,
                        std::vector<md::record>& out) {
  command_result res;
  // Item by item, so that per-item refusals keep their place in the answer.
  // A stepwise target more than one replica away becomes a goal reached
  // step by step (metadata/goals.h).
  for (const auto& it : c.items) {
    if (auto bad = too_big(scratch, it)) {
      res.items.push_back(*bad);
      continue;
    }
    md::reassignment_request req{it.topic, it.partition, std::nullopt};
    if (!it.cancel) req.replicas = it.replicas;
    auto one =
        take(scratch,
             it.cancel ? md::cancel_reassignment(scratch, req) : md::reassign_towards(scratch, req),
             out);
    res.items.insert(res.items.end(), one.items.begin(), one.items.end());
  }
  return res;
}

command_result decommission(md::image& scratch, const decommission_node_cmd& c,
                            std::vector<md::record>& out) {
  auto r = take(scratch, md::decommission_node_cmd(scratch, c.id), out);
  if (!r.items.empty() && r.items.front().error != 0) {
    r.error = r.items.front().error;
    r.message = r.items.front().message;
  }
  r.items.clear();
  return r;
}

} // namespace

bool plan_reassignment(md::image& scratch, const controller_command& cmd, command_result& result,
                       std::vector<md::record>& records) {
  if (auto* r = std::get_if<reassign_partitions_cmd>(&cmd)) {
    result = reassign(scratch, *r, records);
    return true;
  }
  if (auto* d = std::get_if<decommission_node_cmd>(&cmd)) {
    result = decommission(scratch, *d, records);
    return true;
  }
  return false;
}

void continue_reassignment(md::image& scratch, const leader_report& report,
                           std::vector<md::record>& records) {
  const auto* t = scratch.topic(report.topic);
  if (!t) return;
  auto more = md::continue_goal(scratch, t->id, report.partition);
  md::apply(scratch, more);
  records.insert(records.end(), more.begin(), more.end());
}

} // namespace caudal::actors
