// ElectLeaders on a cluster node. Data partitions elect their leaders by
// Raft, so a preferred-replica election asks the partition's current leader
// (on whatever node) to transfer leadership to the preferred replica, with a
// group-keyed message through the transport: (group, elect_atom, target).
// The answer comes once the image shows the preferred leader, or at the
// request's timeout. Unclean elections cannot exist under Raft (a replica
// that may lack committed entries can never lead): a partition with a
// leader needs none, one without has no eligible leader.

#include <algorithm>

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/cluster_topic_state.h"

namespace caudal::actors {

namespace {

using elect_resp = msg::elect_leaders_response;
constexpr int16_t pending = -2; // internal: waiting for the transfer
constexpr auto reask_interval = std::chrono::seconds(1);

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

int16_t judge(const metadata::image& img, const metadata::partition_state& ps, int8_t type) {
  if (type == 1)
    return ps.leader != metadata::no_leader ? elastic_errc::election_not_needed
                                            : elastic_errc::eligible_leaders_not_available;
  if (type != 0) return elastic_errc::invalid_request;
  if (!ps.replicas.empty() && ps.leader == ps.replicas.front())
    return elastic_errc::election_not_needed;
  if (!preferred_replica_available(img, ps)) return elastic_errc::preferred_leader_not_available;
  return pending;
}

std::string message_for(int16_t code) {
  switch (code) {
  case elastic_errc::unknown_topic_or_partition:
    return "Unknown topic or partition.";
  case elastic_errc::invalid_request:
    return "Unknown election type.";
  case elastic_errc::election_not_needed:
    return "The leader is already the preferred replica.";
  case elastic_errc::preferred_leader_not_available:
    return "The preferred replica is not in sync, not a voter yet, or its node is fenced.";
  case elastic_errc::eligible_leaders_not_available:
    return "No leader, and Raft elects only replicas holding every committed entry.";
  case elastic_errc::request_timed_out:
    return "The leader did not hand over in time.";
  default:
    return {};
  }
}

elect_resp::partition_result_t result_of(int32_t p, int16_t code) {
  elect_resp::partition_result_t r;
  r.partition_id = p;
  r.error_code = code;
  if (code == 0)
    r.error_message = std::nullopt;
  else
    r.error_message = message_for(code);
  return r;
}

/// Adds the result of partition `p` of `t`; a pending one becomes an item.
void consider(const metadata::image& img, const metadata::topic_state& t, int32_t p, int8_t type,
              bool all, elect_resp::replica_election_result& out, pending_election& pe,
              size_t topic_slot) {
  const auto* ps = img.partition(t.id, p);
  auto code = ps ? judge(img, *ps, type) : elastic_errc::unknown_topic_or_partition;
  // Kafka leaves partitions that need no election out of an all-partitions answer.
  if (all && code == elastic_errc::election_not_needed) return;
  if (code == pending)
    pe.items.push_back({t.id, p, ps->replicas.front(), topic_slot, out.partition_result.size()});
  out.partition_result.push_back(result_of(p, code == pending ? int16_t{0} : code));
}

void ask_leader(cluster_topic_self self, const pending_election::item& it) {
  auto& st = self->state;
  const auto* t = st.image->topic(it.topic);
  const auto* ps = st.image->partition(it.topic, it.partition);
  if (!t || !ps || ps->leader == metadata::no_leader) return; // asked again later
  auto m =
      caf::make_message(t->name + "/" + std::to_string(it.partition), elect_atom::value, it.target);
  if (ps->leader != st.args.node_id)
    return self->send(st.args.transport, peer_send_atom::value, ps->leader, std::move(m));
  if (auto lp = st.local.find({it.topic, it.partition}); lp != st.local.end())
    self->send(lp->second.actor, peer_deliver_atom::value, st.args.node_id, std::move(m));
}

void arm_timer(cluster_topic_self self) {
  if (self->state.election_timer || self->state.elections.empty()) return;
  self->state.election_timer = true;
  self->delayed_send(self, reask_interval, elect_atom::value);
}

void finish(pending_election& pe, const std::function<int16_t(const pending_election::item&)>& f) {
  std::erase_if(pe.items, [&](const pending_election::item& it) {
    auto code = f(it);
    if (code == pending) return false;
    auto& slot = pe.response->replica_election_results[it.topic_slot].partition_result[it.slot];
    slot = result_of(it.partition, code);
    return true;
  });
}

} // namespace

/// The preferred replica may lead: in the ISR (caught up), a voter, and its
/// node is registered and not fenced.
bool preferred_replica_available(const metadata::image& img, const metadata::partition_state& ps) {
  if (ps.replicas.empty()) return false;
  auto pref = ps.replicas.front();
  const auto* n = img.node(pref);
  return n && !n->fenced && has(ps.isr, pref) && !has(ps.adding, pref);
}

caf::result<elect_resp> elect_leaders(cluster_topic_self self,
                                      const msg::elect_leaders_request& req) {
  auto& st = self->state;
  const auto& img = *st.image;
  pending_election pe;
  pe.response = std::make_shared<elect_resp>();
  auto& resp = *pe.response;
  if (!req.topic_partitions) {
    for (auto& [name, id] : img.topic_ids) {
      const auto& t = *img.topic(id);
      elect_resp::replica_election_result out;
      out.topic = name;
      for (auto& [p, ps] : t.partitions)
        consider(img, t, p, req.election_type, true, out, pe, resp.replica_election_results.size());
      if (!out.partition_result.empty()) resp.replica_election_results.push_back(std::move(out));
    }
  } else {
    for (auto& rt : *req.topic_partitions) {
      elect_resp::replica_election_result out;
      out.topic = rt.topic;
      const auto* t = img.topic(rt.topic);
      for (auto p : rt.partitions)
        if (t)
          consider(img, *t, p, req.election_type, false, out, pe,
                   resp.replica_election_results.size());
        else
          out.partition_result.push_back(result_of(p, elastic_errc::unknown_topic_or_partition));
      resp.replica_election_results.push_back(std::move(out));
    }
  }
  if (pe.items.empty()) return resp;
  for (auto& it : pe.items) ask_leader(self, it);
  pe.promise = self->make_response_promise<elect_resp>();
  auto promise = pe.promise;
  auto id = st.next_election++;
  st.elections.emplace(id, std::move(pe));
  auto timeout = std::max<int64_t>(req.timeout_ms, 0);
  self->delayed_send(self, std::chrono::milliseconds(timeout), elect_atom::value, id);
  arm_timer(self);
  return promise;
}

void settle_elections(cluster_topic_self self) {
  auto& st = self->state;
  const auto& img = *st.image;
  for (auto it = st.elections.begin(); it != st.elections.end();) {
    finish(it->second, [&](const pending_election::item& i) -> int16_t {
      const auto* ps = img.partition(i.topic, i.partition);
      if (!ps) return elastic_errc::unknown_topic_or_partition;
      return ps->leader == i.target ? int16_t{0} : pending;
    });
    if (!it->second.items.empty()) {
      ++it;
      continue;
    }
    it->second.promise.deliver(*it->second.response);
    it = st.elections.erase(it);
  }
}

void election_deadline(cluster_topic_self self, uint64_t id) {
  auto& st = self->state;
  auto it = st.elections.find(id);
  if (it == st.elections.end()) return;
  const auto& img = *st.image;
  finish(it->second, [&](const pending_election::item& i) -> int16_t {
    const auto* ps = img.partition(i.topic, i.partition);
    if (!ps) return elastic_errc::unknown_topic_or_partition;
    if (ps->leader == i.target) return 0;
    return preferred_replica_available(img, *ps) ? elastic_errc::request_timed_out
                                                 : elastic_errc::preferred_leader_not_available;
  });
  it->second.promise.deliver(*it->second.response);
  st.elections.erase(it);
}

void election_tick(cluster_topic_self self) {
  auto& st = self->state;
  st.election_timer = false;
  // A transfer can fail (target lagging, leader changed): ask the current
  // leader again until the deadline.
  for (auto& [id, pe] : st.elections)
    for (auto& it : pe.items) ask_leader(self, it);
  arm_timer(self);
}

} // namespace caudal::actors
