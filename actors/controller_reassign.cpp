// Reassignment and decommission commands on the leader controller.
#include "actors/controller_reassign.h"

#include <algorithm>

#include "metadata/commands.h"
#include "metadata/errors.h"

namespace caudal::actors {

namespace {

namespace md = metadata;

size_t count_missing(const std::vector<int32_t>& from, const std::vector<int32_t>& in) {
  return static_cast<size_t>(std::count_if(from.begin(), from.end(), [&](int32_t x) {
    return std::find(in.begin(), in.end(), x) == in.end();
  }));
}

/// One voter change at a time: at most one replica in and one out.
std::optional<command_item> too_big(const md::image& img, const reassignment_item& it) {
  if (it.cancel) return std::nullopt;
  const auto* t = img.topic(it.topic);
  const auto* ps = t ? img.partition(t->id, it.partition) : nullptr;
  if (!ps) return std::nullopt; // the metadata command reports the unknown partition
  std::vector<int32_t> origin;
  for (auto r : ps->replicas)
    if (std::find(ps->adding.begin(), ps->adding.end(), r) == ps->adding.end()) origin.push_back(r);
  if (count_missing(it.replicas, origin) <= 1 && count_missing(origin, it.replicas) <= 1)
    return std::nullopt;
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
  for (const auto& it : c.items) {
    if (auto bad = too_big(scratch, it)) {
      res.items.push_back(*bad);
      continue;
    }
    md::reassignment_request req{it.topic, it.partition, std::nullopt};
    if (!it.cancel) req.replicas = it.replicas;
    auto one = take(scratch, md::reassign_partitions(scratch, {req}), out);
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

} // namespace caudal::actors
