// AlterPartitionReassignments, ListPartitionReassignments and
// UnregisterBroker on a cluster node. Alter and Unregister become one
// controller command each, answered once this node's image shows the outcome
// (the move started or cancelled, the node decommissioned); List reads the
// image. A target more than one replica away is reached step by step by the
// controller (metadata/goals.h); List shows it until the final list is
// reached. ElectLeaders: cluster_topic_elastic_elect.cpp.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/cluster_topic_state.h"

namespace caudal::actors {

namespace {

using alter_req = msg::alter_partition_reassignments_request;
using alter_resp = msg::alter_partition_reassignments_response;
using list_resp = msg::list_partition_reassignments_response;

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::vector<int32_t> minus(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  for (auto x : a)
    if (!has(b, x)) out.push_back(x);
  return out;
}

/// What a client may retry: no controller leader yet, or no answer in time.
int16_t command_error(int16_t e) { return e == -1 ? elastic_errc::request_timed_out : e; }

/// The image shows the item's outcome: a started (or already finished) move,
/// or a cancelled one.
bool shows(const metadata::image& img, const reassignment_item& it) {
  const auto* t = img.topic(it.topic);
  const auto* ps = t ? img.partition(t->id, it.partition) : nullptr;
  if (!ps) return true; // deleted meanwhile: nothing more to wait for
  bool goal = img.reassignment_goal(t->id, it.partition) != nullptr;
  if (it.cancel) return !ps->reassigning() && !goal;
  return ps->reassigning() || goal || ps->replicas == it.replicas;
}

struct alter_job {
  alter_resp response;
  std::vector<std::pair<size_t, size_t>> slots; // command item -> (topic, partition)
  reassign_partitions_cmd cmd;
};

std::shared_ptr<alter_job> plan_alter(const alter_req& req) {
  auto job = std::make_shared<alter_job>();
  job->response.error_message = std::nullopt;
  for (auto& t : req.topics) {
    alter_resp::reassignable_topic_response out;
    out.name = t.name;
    for (auto& p : t.partitions) {
      alter_resp::reassignable_partition_response r;
      r.partition_index = p.partition_index;
      r.error_message = std::nullopt;
      job->slots.emplace_back(job->response.responses.size(), out.partitions.size());
      // Kafka tools send whole target lists: reach them step by step.
      job->cmd.items.push_back(reassignment_item{t.name, p.partition_index,
                                                 p.replicas.value_or(std::vector<int32_t>{}),
                                                 !p.replicas.has_value(), true});
      out.partitions.push_back(std::move(r));
    }
    job->response.responses.push_back(std::move(out));
  }
  return job;
}

/// Per-partition results; returns the items that succeeded (to wait for).
std::vector<reassignment_item> fill_alter(alter_job& job, const command_result& r) {
  std::vector<reassignment_item> ok;
  if (r.error != 0) {
    job.response.error_code = command_error(r.error);
    job.response.error_message = r.message;
  }
  for (size_t k = 0; k < job.slots.size(); ++k) {
    auto [ti, pi] = job.slots[k];
    auto& out = job.response.responses[ti].partitions[pi];
    auto item = item_of(r, k, job.cmd.items[k].topic);
    out.error_code = command_error(item.error);
    if (item.error != 0)
      out.error_message = item.message;
    else
      ok.push_back(job.cmd.items[k]);
  }
  return ok;
}

caf::result<alter_resp> alter(cluster_topic_self self, const alter_req& req) {
  auto job = plan_alter(req);
  if (job->cmd.items.empty()) return job->response;
  auto rp = self->make_response_promise<alter_resp>();
  send_command(self, job->cmd, [self, rp, job](const command_result& r) mutable {
    auto ok = fill_alter(*job, r);
    auto ready = [ok](const metadata::image& img) {
      return std::all_of(ok.begin(), ok.end(), [&](auto& it) { return shows(img, it); });
    };
    when_image(self, ready, [rp, job]() mutable { rp.deliver(job->response); });
  });
  return rp;
}

/// Kafka's view of a move: replicas = target + leaving, adding, removing. For
/// a multi-step move the target is the goal, not the current step.
std::optional<list_resp::ongoing_partition_reassignment>
ongoing(const metadata::image& img, const protocol::uuid& topic, int32_t p) {
  const auto* ps = img.partition(topic, p);
  if (!ps) return std::nullopt;
  const auto* goal = img.reassignment_goal(topic, p);
  if (!goal && !ps->reassigning()) return std::nullopt;
  list_resp::ongoing_partition_reassignment r;
  r.partition_index = p;
  if (!goal) {
    r.replicas = ps->replicas;
    r.adding_replicas = ps->adding;
    r.removing_replicas = ps->removing;
    return r;
  }
  auto holders = minus(ps->replicas, ps->adding);
  r.replicas = *goal;
  for (auto n : minus(ps->replicas, *goal)) r.replicas.push_back(n);
  r.adding_replicas = minus(*goal, holders);
  r.removing_replicas = minus(ps->replicas, *goal);
  return r;
}

list_resp list(cluster_topic_self self, const msg::list_partition_reassignments_request& req) {
  const auto& img = *self->state.image;
  list_resp resp;
  resp.error_message = std::nullopt;
  auto add = [&](const metadata::topic_state& t, const std::vector<int32_t>& parts) {
    list_resp::ongoing_topic_reassignment out;
    out.name = t.name;
    for (auto p : parts)
      if (auto r = ongoing(img, t.id, p)) out.partitions.push_back(std::move(*r));
    if (!out.partitions.empty()) resp.topics.push_back(std::move(out));
  };
  if (!req.topics) {
    for (auto& [name, id] : img.topic_ids) {
      const auto& t = *img.topic(id);
      std::vector<int32_t> parts;
      for (auto& [p, ps] : t.partitions) parts.push_back(p);
      add(t, parts);
    }
    return resp;
  }
  // Unknown topics and partitions have no reassignment: left out (as KRaft).
  for (auto& rt : *req.topics)
    if (const auto* t = img.topic(rt.name)) add(*t, rt.partition_indexes);
  return resp;
}

caf::result<msg::unregister_broker_response> unregister(cluster_topic_self self,
                                                        const msg::unregister_broker_request& req) {
  auto rp = self->make_response_promise<msg::unregister_broker_response>();
  auto id = req.broker_id;
  send_command(self, decommission_node_cmd{id}, [self, rp, id](const command_result& r) mutable {
    msg::unregister_broker_response resp;
    resp.error_code = command_error(r.error);
    resp.error_message = std::nullopt;
    if (r.error != 0) {
      resp.error_message = r.message;
      rp.deliver(resp);
      return;
    }
    auto ready = [id](const metadata::image& img) {
      const auto* n = img.node(id);
      return !n || n->decommissioned;
    };
    when_image(self, ready, [rp, resp]() mutable { rp.deliver(resp); });
  });
  return rp;
}

} // namespace

void elastic_follow_image(cluster_topic_self self) {
  auto& st = self->state;
  settle_elections(self);
  start_leader_balancing(self);
  const auto* me = st.image->node(st.args.node_id);
  if (!me || !me->decommissioned) return;
  for (auto& [key, lp] : st.local) {
    if (lp.drained) continue;
    auto group = lp.topic + "/" + std::to_string(lp.partition);
    self->send(lp.actor, peer_deliver_atom::value, st.args.node_id,
               caf::make_message(std::move(group), drain_atom::value));
    lp.drained = true;
  }
}

caf::message_handler cluster_topic_elastic(cluster_topic_self self) {
  return {
      [=](reassign_atom, const alter_req& req, int32_t) { return alter(self, req); },
      [=](reassign_atom, const msg::list_partition_reassignments_request& req, int32_t) {
        return list(self, req);
      },
      [=](elect_atom, const msg::elect_leaders_request& req, int32_t) {
        return elect_leaders(self, req);
      },
      [=](elect_atom, uint64_t id) { election_deadline(self, id); },
      [=](elect_atom) { election_tick(self); },
      [=](balance_atom) { balance_leaders(self); },
      [=](drain_atom, const msg::unregister_broker_request& req, int32_t) {
        return unregister(self, req);
      },
  };
}

} // namespace caudal::actors
