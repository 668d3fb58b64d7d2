// Reassignment under load as a fault: replicas move while producers write,
// through the controller command path the Kafka API uses (the command goes
// to a random live node's controller, which forwards it to the leader). The
// end of the liveness phase waits for every move to finish; the final image
// must show each move at its target and a drained node without replicas.
#include <algorithm>
#include <chrono>

#include <caf/event_based_actor.hpp>

#include "actors/atoms.h"
#include "sim/cluster/cluster_world.h"

namespace caudal::sim::cluster {

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string describe(int32_t p, const metadata::partition_state& ps) {
  return "p" + std::to_string(p) + " replicas " + node_list(ps.replicas) + " adding " +
         node_list(ps.adding) + " removing " + node_list(ps.removing) + " leader " +
         std::to_string(ps.leader) + " epoch " + std::to_string(ps.leader_epoch) + " isr " +
         node_list(ps.isr);
}

} // namespace

std::string node_list(const std::vector<int32_t>& nodes) {
  std::string out = "[";
  for (size_t i = 0; i < nodes.size(); ++i) out += (i > 0 ? "," : "") + std::to_string(nodes[i]);
  return out + "]";
}

int32_t cluster_world::random_up_node() {
  std::vector<int32_t> up;
  for (auto& h : hosts)
    if (h->node->up()) up.push_back(h->id);
  if (up.empty()) return -1;
  return up[static_cast<size_t>(loop.uniform(0, static_cast<int64_t>(up.size()) - 1))];
}

// A one-shot actor asks the controller; no answer within 15 s (the
// controller's own request timeout is 10 s) or a dead controller counts as a
// timeout.
void cluster_world::send_command(int32_t via, actors::controller_command cmd,
                                 std::function<void(const actors::command_result&)> done) {
  auto ctl = host(via).node->controller();
  if (!ctl) {
    actors::command_result r;
    r.error = actors::controller_errc::not_controller;
    r.message = "node down";
    return done(r);
  }
  auto ask = [ctl, cmd = std::move(cmd), done = std::move(done)](caf::event_based_actor* self) {
    auto answered = [self, done](const actors::command_result& r) {
      done(r);
      self->quit();
    };
    auto failed = [self, done](const caf::error&) {
      actors::command_result r;
      r.error = actors::controller_errc::request_timed_out;
      r.message = "no answer";
      done(r);
      self->quit();
    };
    self->request(ctl, std::chrono::seconds(15), actors::command_atom::value, cmd)
        .then(answered, failed);
  };
  askers.push_back(sys.spawn(std::move(ask)));
}

void cluster_world::fault_reassign() {
  auto via = random_up_node();
  if (via < 0) return;
  auto img = host(via).node->image();
  if (!img || !img->topic(cfg.clients.topic))
    return log("sim", "reassign: n" + std::to_string(via) + " has no image of the topic yet");
  reassign(via, *img, static_cast<int32_t>(loop.uniform(0, cfg.clients.partitions - 1)));
}

// One replica of the partition's current list (half the time its leader as
// the clients see it) is replaced by a node outside the list.
void cluster_world::reassign(int32_t via, const metadata::image& img, int32_t p) {
  const auto* t = img.topic(cfg.clients.topic);
  auto it = t->partitions.find(p);
  if (it == t->partitions.end()) return;
  const auto& ps = it->second;
  auto where = "p" + std::to_string(p);
  if (move_waiting(p, ps)) return log("sim", "reassign " + where + ": a move is pending (no-op)");
  std::vector<int32_t> candidates;
  for (auto id : joined_ids()) {
    const auto* n = img.node(id);
    if (!contains(ps.replicas, id) && id != drained && !(n && n->decommissioned))
      candidates.push_back(id);
  }
  if (candidates.empty() || ps.replicas.empty())
    return log("sim", "reassign " + where + ": no node outside " + node_list(ps.replicas));
  auto target = ps.replicas;
  auto victim = static_cast<size_t>(loop.uniform(0, static_cast<int64_t>(target.size()) - 1));
  if (loop.uniform(0, 1) == 0 && clients) {
    auto f = std::find(target.begin(), target.end(), clients->leader_of(p));
    if (f != target.end()) victim = static_cast<size_t>(f - target.begin());
  }
  auto out = target[victim];
  target[victim] =
      candidates[static_cast<size_t>(loop.uniform(0, static_cast<int64_t>(candidates.size()) - 1))];
  ++result.reassign_attempts;
  log("sim", "reassign " + where + " " + node_list(ps.replicas) + " -> " + node_list(target) +
                 " (n" + std::to_string(out) + " out) via n" + std::to_string(via));
  send_move(via, p, ps.replicas, target);
}

// One move per partition at a time: the controller replaces a pending move
// rather than refusing it, and answers may arrive out of order, so a
// partition is left alone while a command for it is unanswered or while the
// image read (maybe a lagging node's) has not reached the last target.
bool cluster_world::move_waiting(int32_t p, const metadata::partition_state& ps) const {
  auto known = moves.find(p);
  bool waiting =
      known != moves.end() &&
      (known->second.asking || (known->second.certain && known->second.target != ps.replicas));
  return ps.reassigning() || waiting;
}

void cluster_world::send_move(int32_t via, int32_t p, const std::vector<int32_t>& from,
                              const std::vector<int32_t>& target, std::function<void(bool)> then) {
  // Until the answer, the partition's target is unknown: this command may
  // replace the last accepted move (or commit after a lost answer).
  auto& goal = moves[p];
  goal.asking = true;
  goal.was_certain = goal.certain;
  goal.certain = false;
  actors::reassignment_item item;
  item.topic = cfg.clients.topic;
  item.partition = p;
  item.replicas = target;
  // A target replacing more than one replica becomes a goal the controller
  // reaches one step at a time (as a Kafka admin client's list does).
  size_t in = 0;
  for (auto id : target) in += contains(from, id) ? 0 : 1;
  item.stepwise = in > 1;
  actors::reassign_partitions_cmd cmd;
  cmd.items.push_back(std::move(item));
  send_command(via, cmd, [this, p, target, then](const actors::command_result& r) {
    auto accepted = on_reassigned(p, target, r);
    if (then) then(accepted);
  });
}

bool cluster_world::on_reassigned(int32_t p, const std::vector<int32_t>& target,
                                  const actors::command_result& r) {
  auto where = "reassign p" + std::to_string(p) + " -> " + node_list(target);
  moves[p].asking = false;
  if (r.error == 0 && r.items.size() == 1 && r.items[0].error == 0) {
    ++result.moves_started;
    // A drain asked for before this answer may still move the partition.
    moves[p].target = target;
    moves[p].certain = !(drained >= 0 && contains(target, drained));
    log("sim", where + " accepted");
    return true;
  }
  if (r.error == 0) { // refused: nothing was recorded, the last accepted move stands
    moves[p].certain =
        moves[p].was_certain && !(drained >= 0 && contains(moves[p].target, drained));
    auto err = r.items.empty() ? int16_t{-1} : r.items[0].error;
    log("sim", where + " refused " + std::to_string(err) + " " +
                   (r.items.empty() ? "" : r.items[0].message));
    return false;
  }
  // NOT_CONTROLLER or a timeout: a failed attempt — though a command that
  // timed out may still commit, so the partition's target is unknown now.
  moves[p].target = target;
  moves[p].certain = false;
  log("sim", where + " failed " + std::to_string(r.error) + " " + r.message);
  return false;
}

// Drains one node once per run, only while more than RF nodes would remain.
void cluster_world::fault_decommission() {
  if (drained != -1) return;
  auto via = random_up_node();
  if (via < 0) return;
  auto img = host(via).node->image();
  if (!img) return;
  int remaining = 0;
  for (auto id : joined_ids()) {
    const auto* n = img->node(id);
    if (!n || !n->decommissioned) ++remaining;
  }
  if (remaining - 1 < replication_factor)
    return log("sim", "decommission: only " + std::to_string(remaining) + " nodes (no-op)");
  auto node = pick_target();
  drained = node;
  for (auto& [p, m] : moves)
    if (contains(m.target, node)) m.certain = false;
  log("sim", "decommission n" + std::to_string(node) + " via n" + std::to_string(via));
  send_command(via, actors::decommission_node_cmd{node},
               [this, node](const actors::command_result& r) { on_decommissioned(node, r); });
}

void cluster_world::on_decommissioned(int32_t node, const actors::command_result& r) {
  auto what = "decommission n" + std::to_string(node);
  if (r.error == 0) {
    ++result.decommissions;
    return log("sim", what + " accepted");
  }
  log("sim", what + " failed " + std::to_string(r.error) + " " + r.message);
  // A refusal recorded nothing: another drain may be drawn. After a timeout
  // the drain may still commit; the end checks read the image then.
  if (r.error != actors::controller_errc::not_controller &&
      r.error != actors::controller_errc::request_timed_out)
    drained = -1;
}

actors::image_ptr cluster_world::final_image() const {
  actors::image_ptr any;
  for (auto& h : hosts) {
    auto& img = h->node->image();
    if (!img) continue;
    if (h->node->controller_leader() == h->id) return img;
    if (!any) any = img;
  }
  return any;
}

std::string cluster_world::image_status() const {
  auto img = final_image();
  const auto* t = img ? img->topic(cfg.clients.topic) : nullptr;
  if (!t) return " (no image of the topic)";
  std::string out = " image:";
  for (auto& [p, ps] : t->partitions) out += " " + describe(p, ps) + ";";
  return out;
}

bool cluster_world::moves_settled(std::string& why) const {
  const metadata::topic_state* first = nullptr;
  for (auto& h : hosts) {
    if (!h->node->up()) continue;
    auto& img = h->node->image();
    const auto* t = img ? img->topic(cfg.clients.topic) : nullptr;
    if (!t) {
      why = h->name + " has no image of the topic";
      return false;
    }
    const auto* d = drained >= 0 ? img->node(drained) : nullptr;
    for (auto& [p, ps] : t->partitions) {
      auto known = moves.find(p);
      if (known != moves.end() && known->second.asking) {
        why = "a command for p" + std::to_string(p) + " is unanswered";
        return false;
      }
      if (ps.reassigning() || img->reassignment_goal(t->id, p) ||
          (d && d->decommissioned && contains(ps.replicas, drained))) {
        why = describe(p, ps) + " in the image of " + h->name +
              (drained >= 0 ? " (n" + std::to_string(drained) + " drained)" : "");
        return false;
      }
      auto other = first ? first->partitions.find(p) : t->partitions.end();
      if (first && (other == first->partitions.end() || other->second.replicas != ps.replicas)) {
        why = "the nodes' images disagree on the replicas of p" + std::to_string(p);
        return false;
      }
    }
    if (!first) first = t;
  }
  return true;
}

void cluster_world::check_moves(const metadata::image& img) {
  const auto* t = img.topic(cfg.clients.topic);
  if (!t) return hist.violation("the final image has no topic " + cfg.clients.topic);
  const auto* d = drained >= 0 ? img.node(drained) : nullptr;
  if (d && !d->decommissioned && result.decommissions > 0)
    hist.violation("n" + std::to_string(drained) +
                   " was decommissioned (accepted) but the final "
                   "image does not show it");
  for (auto& [p, ps] : t->partitions) {
    if (static_cast<int>(ps.replicas.size()) != replication_factor)
      hist.violation("the final image lists " + describe(p, ps) + " for replication factor " +
                     std::to_string(replication_factor));
    if (d && d->decommissioned && contains(ps.replicas, drained))
      hist.violation("decommissioned n" + std::to_string(drained) + " still in " + describe(p, ps));
  }
  for (auto& [p, m] : moves) {
    auto it = t->partitions.find(p);
    if (it == t->partitions.end() || !m.certain) continue;
    if (it->second.replicas == m.target) {
      ++result.moves_completed;
      continue;
    }
    hist.violation("reassignment of p" + std::to_string(p) + " to " + node_list(m.target) +
                   " ended at " + describe(p, it->second));
  }
}

} // namespace caudal::sim::cluster
