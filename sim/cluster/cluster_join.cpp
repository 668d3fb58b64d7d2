// A node joins a running cluster: a late node (not a controller voter, never
// started) boots for the first time at a seeded moment of the faulty phase,
// registers with the controller and follows the metadata log as an observer.
// The others have deleted the log's prefix after their metadata snapshots,
// so it must install another node's snapshot first. Once its registration is
// live in the image, rebalance rounds (metadata::rebalance, the planner of
// `caudal cluster rebalance`'s server side) move replicas onto it through the
// controller command path while producers write and faults go on. The
// liveness phase waits until every joined node is live and holds replicas.
#include <algorithm>
#include <memory>

#include "metadata/placement.h"
#include "sim/cluster/cluster_world.h"

namespace caudal::sim::cluster {

namespace {

// Whether `node` holds (or is being given) a replica of the topic.
bool holds_replica(const metadata::image& img, const std::string& topic, int32_t node) {
  const auto* t = img.topic(topic);
  if (!t) return false;
  for (auto& [p, ps] : t->partitions) {
    auto r = ps.target_replicas();
    if (std::find(r.begin(), r.end(), node) != r.end()) return true;
  }
  return false;
}

} // namespace

// Each late node's first boot at a seeded time between 10 % and 60 % of
// the faulty phase, so that the rebalance runs under faults and load.
void cluster_world::schedule_joins() {
  for (auto id : unjoined) {
    auto at = loop.uniform(cfg.duration_ms / 10, cfg.duration_ms * 6 / 10);
    log("n" + std::to_string(id), "will join at " + std::to_string(loop.now_ms() + at));
    loop.after(at, [this, id] { join(id); });
  }
}

void cluster_world::join(int32_t node) {
  if (!faults_on || joined(node)) return;
  unjoined.erase(node);
  joiners.insert(node);
  rebalance_wanted.insert(node);
  ++result.joins;
  log("n" + std::to_string(node), "joins the cluster (first boot, an observer of the quorum)");
  boot(host(node));
  loop.after(loop.uniform(500, 1500), [this, node] { rebalance_loop(node); });
}

// Until a rebalance round toward the node had a move accepted (or found the
// topic balanced with the node holding replicas), another round every
// 0.5..1.5 s of the faulty phase; the liveness phase takes over after it.
void cluster_world::rebalance_loop(int32_t node) {
  if (!faults_on || rebalance_wanted.count(node) == 0) return;
  rebalance_round(node);
  loop.after(loop.uniform(500, 1500), [this, node] { rebalance_loop(node); });
}

bool cluster_world::rebalance_round(int32_t node) {
  auto via = random_up_node();
  if (via < 0) return false;
  auto img = host(via).node->image();
  const auto* t = img ? img->topic(cfg.clients.topic) : nullptr;
  if (!t || !img->is_live(node)) return false; // not registered and unfenced yet (in its view)
  std::vector<int32_t> targets;
  for (auto id : joined_ids()) {
    const auto* n = img->node(id);
    if (n && !n->decommissioned && id != drained) targets.push_back(id);
  }
  auto plan = metadata::rebalance(*img, targets);
  auto where = "rebalance toward n" + std::to_string(node) + " via n" + std::to_string(via);
  if (plan.error != 0) return log("sim", where + ": " + plan.message), false;
  auto accepted = std::make_shared<bool>(false); // the round counts once
  int sent = 0;
  for (auto& m : plan.moves) {
    auto it = t->partitions.find(m.partition.partition);
    if (m.partition.topic != cfg.clients.topic || it == t->partitions.end()) continue;
    if (move_waiting(it->first, it->second)) continue;
    ++sent;
    log("sim", where + ": p" + std::to_string(it->first) + " " + node_list(it->second.replicas) +
                   " -> " + node_list(m.to));
    send_move(via, it->first, it->second.replicas, m.to, [this, node, accepted](bool ok) {
      if (!ok || *accepted) return;
      *accepted = true;
      ++result.rebalances;
      rebalance_wanted.erase(node);
    });
  }
  if (sent == 0 && plan.moves.empty() && holds_replica(*img, cfg.clients.topic, node)) {
    rebalance_wanted.erase(node); // already balanced, the node among the holders
    log("sim", where + ": balanced");
  }
  return sent > 0;
}

bool cluster_world::joins_settled(std::string& why) {
  // Judged only with no move in flight: a reassign fault sent in the faulty
  // phase may still move the node's last replica away (seed 7923: accepted
  // 0.3 s into the liveness phase, after n4 had been seen holding p0).
  if (!joiners.empty() && !moves_settled(why)) return false;
  auto img = final_image();
  for (auto id : joiners) {
    if (id == drained) continue; // a drain moves replicas off it (check_moves)
    auto name = "n" + std::to_string(id);
    if (!img || !img->is_live(id)) {
      why = name + " is not registered and unfenced in the final image";
      return false;
    }
    if (holds_replica(*img, cfg.clients.topic, id)) continue;
    why = name + " holds no replica of " + cfg.clients.topic;
    // A round toward it (again: a reassign fault may have moved its replicas
    // away, or the faulty phase ended first) once the moves in flight are
    // answered; at most one per simulated second.
    if (loop.now_ms() >= next_join_round_ms) {
      next_join_round_ms = loop.now_ms() + 1000;
      rebalance_round(id);
    }
    return false;
  }
  return true;
}

void cluster_world::check_joins(const metadata::image& img) {
  for (auto id : joiners) {
    if (id == drained) continue;
    auto name = "n" + std::to_string(id);
    if (!img.is_live(id))
      hist.violation(name + " joined but the final image does not show it registered and unfenced");
    else if (!holds_replica(img, cfg.clients.topic, id))
      hist.violation(name + " joined but holds no replica of " + cfg.clients.topic +
                     " in the final image");
  }
}

} // namespace caudal::sim::cluster
