#include "actors/group_state.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace caudal::actors {

const char* phase_name(group_phase p) {
  switch (p) {
  case group_phase::empty:
    return "Empty";
  case group_phase::preparing_rebalance:
    return "PreparingRebalance";
  case group_phase::completing_rebalance:
    return "CompletingRebalance";
  case group_phase::stable:
    return "Stable";
  case group_phase::dead:
    return "Dead";
  }
  return "Dead";
}

consumer_group::consumer_group(std::string group_id, group_settings settings, schedule_fn schedule,
                               uint64_t seed)
    : id_(std::move(group_id)), settings_(settings), schedule_(std::move(schedule)), rng_(seed) {}

namespace {

bool same_protocols(const group_member& m, const msg::join_group_request& req) {
  if (m.protocol_type != req.protocol_type || m.protocols.size() != req.protocols.size())
    return false;
  for (size_t i = 0; i < m.protocols.size(); ++i)
    if (m.protocols[i].first != req.protocols[i].name ||
        m.protocols[i].second != req.protocols[i].metadata)
      return false;
  return true;
}

const protocol::byte_buffer* metadata_of(const group_member& m, const std::string& name) {
  for (auto& [n, meta] : m.protocols)
    if (n == name) return &meta;
  return nullptr;
}

} // namespace

std::string consumer_group::new_member_id(const std::string& client_id,
                                          const std::optional<std::string>& instance_id) {
  // Kafka: "<client id or instance id>-<uuid>"; ours comes from the seeded generator.
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                static_cast<unsigned long long>(rng_()));
  std::string hex{buf};
  hex = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
        hex.substr(16, 4) + "-" + hex.substr(20, 12);
  return (instance_id ? *instance_id : client_id) + "-" + hex;
}

group_member* consumer_group::find_by_instance(const std::string& instance_id) {
  auto it = static_members_.find(instance_id);
  if (it == static_members_.end()) return nullptr;
  auto m = members_.find(it->second);
  return m == members_.end() ? nullptr : &m->second;
}

msg::join_group_response consumer_group::join_response(const group_member& m, int16_t error) const {
  msg::join_group_response r;
  r.error_code = error;
  r.member_id = m.member_id;
  if (error != group_error::none) {
    r.generation_id = -1;
    r.protocol_name = m.join_version >= 7 ? std::nullopt : std::optional<std::string>{""};
    return r;
  }
  r.generation_id = generation_;
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  r.leader = leader_;
  if (m.member_id != leader_) return r;
  for (auto& [id, other] : members_) {
    msg::join_group_response::join_group_response_member jm;
    jm.member_id = id;
    jm.group_instance_id = other.instance_id;
    if (auto* meta = metadata_of(other, protocol_name_)) jm.metadata = *meta;
    r.members.push_back(std::move(jm));
  }
  return r;
}

void consumer_group::answer_join(group_member& m) {
  if (!m.pending_join) return;
  auto reply = std::move(m.pending_join);
  m.pending_join = nullptr;
  reply(join_response(m, group_error::none));
}

void consumer_group::arm_heartbeat(group_member& m) {
  m.heartbeat_seq = ++timer_seq_;
  schedule_(m.session_timeout_ms,
            group_timer{group_timer::heartbeat, m.member_id, m.heartbeat_seq});
}

void consumer_group::arm_join_timer(int32_t delay_ms, group_timer::kind_t kind) {
  join_timer_seq_ = ++timer_seq_;
  schedule_(delay_ms, group_timer{kind, {}, join_timer_seq_});
}

int16_t consumer_group::check_protocols(const msg::join_group_request& req,
                                        const std::string& except) const {
  if (req.protocol_type.empty() || req.protocols.empty())
    return group_error::inconsistent_group_protocol;
  bool others = false;
  for (auto& [id, m] : members_) others = others || id != except;
  if (!others) return group_error::none;
  if (req.protocol_type != protocol_type_) return group_error::inconsistent_group_protocol;
  for (auto& p : req.protocols) {
    bool everyone = true;
    for (auto& [id, m] : members_)
      if (id != except && !metadata_of(m, p.name)) everyone = false;
    if (everyone) return group_error::none;
  }
  return group_error::inconsistent_group_protocol;
}

void consumer_group::join(const msg::join_group_request& req, int16_t version,
                          const client_info& client, join_reply reply) {
  group_member probe;
  probe.member_id = req.member_id;
  probe.join_version = version;
  auto fail = [&](int16_t e) { reply(join_response(probe, e)); };
  if (phase_ == group_phase::dead) return fail(group_error::coordinator_not_available);
  if (req.session_timeout_ms < settings_.min_session_timeout_ms ||
      req.session_timeout_ms > settings_.max_session_timeout_ms)
    return fail(group_error::invalid_session_timeout);
  if (req.member_id.empty() && req.group_instance_id)
    return join_static_member(req, version, client, std::move(reply));
  if (req.member_id.empty()) return join_new_member(req, version, client, std::move(reply));
  join_known_member(req, version, client, std::move(reply));
}

void consumer_group::join_new_member(const msg::join_group_request& req, int16_t version,
                                     const client_info& client, join_reply reply) {
  group_member m;
  m.join_version = version;
  if (auto e = check_protocols(req, {}); e != group_error::none) return reply(join_response(m, e));
  m.member_id = new_member_id(client.client_id, std::nullopt);
  m.client_id = client.client_id;
  m.client_host = client.client_host;
  if (version >= 4) {
    // KIP-394: hand out the id and wait for the member to join with it.
    auto seq = ++timer_seq_;
    pending_members_[m.member_id] = pending_member{seq, client};
    schedule_(req.session_timeout_ms, group_timer{group_timer::heartbeat, m.member_id, seq});
    return reply(join_response(m, group_error::member_id_required));
  }
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  m.protocol_type = req.protocol_type;
  for (auto& p : req.protocols) m.protocols.emplace_back(p.name, p.metadata);
  add_member(std::move(m), std::move(reply), version);
}

void consumer_group::add_member(group_member m, join_reply reply, int16_t version) {
  if (members_.empty()) protocol_type_ = m.protocol_type;
  if (leader_.empty()) leader_ = m.member_id;
  if (m.instance_id) static_members_[*m.instance_id] = m.member_id;
  m.pending_join = std::move(reply);
  m.join_version = version;
  m.is_new = true;
  joined_during_delay_ = true;
  auto id = m.member_id;
  auto& stored = members_[id] = std::move(m);
  arm_heartbeat(stored);
  if (phase_ == group_phase::preparing_rebalance) return maybe_complete_join();
  prepare_rebalance();
}

void consumer_group::update_member(group_member& m, const msg::join_group_request& req,
                                   join_reply reply, int16_t version) {
  if (m.pending_join) { // a second join replaces the first, which is told to retry
    auto old = std::move(m.pending_join);
    old(join_response(m, group_error::rebalance_in_progress));
  }
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = version >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols.clear();
  for (auto& p : req.protocols) m.protocols.emplace_back(p.name, p.metadata);
  m.pending_join = std::move(reply);
  m.join_version = version;
  arm_heartbeat(m);
}

void consumer_group::join_known_member(const msg::join_group_request& req, int16_t version,
                                       const client_info& client, join_reply reply) {
  group_member probe;
  probe.member_id = req.member_id;
  probe.join_version = version;
  if (auto p = pending_members_.find(req.member_id); p != pending_members_.end()) {
    if (auto e = check_protocols(req, {}); e != group_error::none)
      return reply(join_response(probe, e));
    group_member m;
    m.member_id = req.member_id;
    m.client_id = p->second.client.client_id;
    m.client_host = p->second.client.client_host;
    pending_members_.erase(p);
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.protocol_type = req.protocol_type;
    for (auto& pr : req.protocols) m.protocols.emplace_back(pr.name, pr.metadata);
    return add_member(std::move(m), std::move(reply), version);
  }
  auto it = members_.find(req.member_id);
  if (it == members_.end()) return reply(join_response(probe, group_error::unknown_member_id));
  auto& m = it->second;
  if (req.group_instance_id && m.instance_id != req.group_instance_id)
    return reply(join_response(probe, group_error::fenced_instance_id));
  (void)client;
  if (auto e = check_protocols(req, m.member_id); e != group_error::none)
    return reply(join_response(probe, e));
  bool unchanged = same_protocols(m, req);
  update_member(m, req, std::move(reply), version);
  switch (phase_) {
  case group_phase::preparing_rebalance:
    return maybe_complete_join();
  case group_phase::completing_rebalance:
    if (unchanged) return answer_join(m); // lost its JoinGroup response: send it again
    return prepare_rebalance();
  case group_phase::stable:
    if (unchanged && m.member_id != leader_) return answer_join(m);
    return prepare_rebalance();
  default:
    return prepare_rebalance();
  }
}

void consumer_group::join_static_member(const msg::join_group_request& req, int16_t version,
                                        const client_info& client, join_reply reply) {
  auto* old = find_by_instance(*req.group_instance_id);
  if (!old) {
    group_member m;
    m.join_version = version;
    if (auto e = check_protocols(req, {}); e != group_error::none)
      return reply(join_response(m, e));
    m.member_id = new_member_id(client.client_id, req.group_instance_id);
    m.instance_id = req.group_instance_id;
    m.client_id = client.client_id;
    m.client_host = client.client_host;
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    m.protocol_type = req.protocol_type;
    for (auto& p : req.protocols) m.protocols.emplace_back(p.name, p.metadata);
    return add_member(std::move(m), std::move(reply), version);
  }
  if (auto e = check_protocols(req, old->member_id); e != group_error::none) {
    group_member probe;
    probe.join_version = version;
    return reply(join_response(probe, e));
  }
  // The instance came back under a new member id: the old id is fenced.
  auto node = members_.extract(old->member_id);
  auto& m = node.mapped();
  if (m.pending_join)
    std::exchange(m.pending_join, nullptr)(join_response(m, group_error::fenced_instance_id));
  if (m.pending_sync) {
    msg::sync_group_response s;
    s.error_code = group_error::fenced_instance_id;
    std::exchange(m.pending_sync, nullptr)(s);
  }
  auto old_id = m.member_id;
  m.member_id = new_member_id(client.client_id, req.group_instance_id);
  m.client_id = client.client_id;
  m.client_host = client.client_host;
  node.key() = m.member_id;
  static_members_[*req.group_instance_id] = m.member_id;
  bool was_leader = leader_ == old_id;
  if (was_leader) leader_ = m.member_id;
  bool unchanged = same_protocols(m, req);
  auto& stored = members_.insert(std::move(node)).position->second;
  update_member(stored, req, std::move(reply), version);
  bool settled = phase_ == group_phase::stable || phase_ == group_phase::completing_rebalance;
  if (settled && unchanged && !was_leader) return answer_join(stored);
  if (phase_ == group_phase::preparing_rebalance) return maybe_complete_join();
  prepare_rebalance();
}

void consumer_group::fail_pending_syncs(int16_t error) {
  for (auto& [id, m] : members_) {
    if (!m.pending_sync) continue;
    msg::sync_group_response s;
    s.error_code = error;
    std::exchange(m.pending_sync, nullptr)(s);
  }
}

void consumer_group::prepare_rebalance() {
  if (phase_ == group_phase::completing_rebalance) {
    fail_pending_syncs(group_error::rebalance_in_progress);
    for (auto& [id, m] : members_) m.assignment.clear();
  }
  bool was_empty = phase_ == group_phase::empty;
  phase_ = group_phase::preparing_rebalance;
  int32_t rebalance_ms = 0;
  for (auto& [id, m] : members_) rebalance_ms = std::max(rebalance_ms, m.rebalance_timeout_ms);
  if (was_empty) {
    // Kafka's group.initial.rebalance.delay.ms: let more members arrive
    // before the first generation, up to the rebalance timeout.
    int32_t delay = std::min(settings_.initial_rebalance_delay_ms, rebalance_ms);
    initial_delay_left_ms_ = rebalance_ms - delay;
    joined_during_delay_ = false;
    in_initial_delay_ = true;
    return arm_join_timer(delay, group_timer::initial_delay);
  }
  arm_join_timer(rebalance_ms, group_timer::join);
  maybe_complete_join();
}

bool consumer_group::all_joined() const {
  if (!pending_members_.empty()) return false;
  for (auto& [id, m] : members_)
    if (!m.pending_join) return false;
  return true;
}

void consumer_group::maybe_complete_join() {
  if (phase_ != group_phase::preparing_rebalance) return;
  if (in_initial_delay_) return; // the delay's timer completes the join
  if (all_joined()) complete_join();
}

std::string consumer_group::select_protocol() const {
  // Kafka: candidates are the protocols every member supports; each member
  // votes for its most preferred candidate; the most votes win.
  std::vector<std::string> candidates;
  auto& first = members_.begin()->second;
  for (auto& [name, meta] : first.protocols) {
    bool everyone = true;
    for (auto& [id, m] : members_) everyone = everyone && metadata_of(m, name);
    if (everyone) candidates.push_back(name);
  }
  if (candidates.empty()) return {};
  std::map<std::string, int> votes;
  for (auto& [id, m] : members_)
    for (auto& [name, meta] : m.protocols)
      if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) {
        ++votes[name];
        break;
      }
  std::string best = candidates.front();
  for (auto& c : candidates)
    if (votes[c] > votes[best]) best = c;
  return best;
}

void consumer_group::complete_join() {
  in_initial_delay_ = false;
  join_timer_seq_ = ++timer_seq_; // any join timer still queued is stale now
  std::vector<std::string> gone;
  for (auto& [id, m] : members_)
    if (!m.pending_join && !m.instance_id) gone.push_back(id);
  for (auto& id : gone) remove_member(id);
  ++generation_;
  if (members_.empty()) {
    phase_ = group_phase::empty;
    protocol_name_.clear();
    leader_.clear();
    return;
  }
  protocol_name_ = select_protocol();
  if (!members_.count(leader_)) {
    leader_ = members_.begin()->first;
    for (auto& [id, m] : members_)
      if (m.pending_join) {
        leader_ = id;
        break;
      }
  }
  phase_ = group_phase::completing_rebalance;
  for (auto& [id, m] : members_) {
    m.is_new = false;
    answer_join(m);
    arm_heartbeat(m);
  }
}

void consumer_group::remove_member(const std::string& member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  auto& m = it->second;
  if (m.pending_join)
    std::exchange(m.pending_join, nullptr)(join_response(m, group_error::unknown_member_id));
  if (m.pending_sync) {
    msg::sync_group_response s;
    s.error_code = group_error::unknown_member_id;
    std::exchange(m.pending_sync, nullptr)(s);
  }
  if (m.instance_id) static_members_.erase(*m.instance_id);
  members_.erase(it);
  if (leader_ == member_id) leader_.clear();
  if (!members_.empty() && leader_.empty()) leader_ = members_.begin()->first;
}

void consumer_group::member_left() {
  switch (phase_) {
  case group_phase::stable:
  case group_phase::completing_rebalance:
    return prepare_rebalance();
  case group_phase::preparing_rebalance:
    return maybe_complete_join();
  default:
    return;
  }
}

void consumer_group::sync(const msg::sync_group_request& req, int16_t version, sync_reply reply) {
  msg::sync_group_response r;
  auto fail = [&](int16_t e) {
    r.error_code = e;
    reply(r);
  };
  if (phase_ == group_phase::dead) return fail(group_error::coordinator_not_available);
  auto it = members_.find(req.member_id);
  if (it == members_.end()) return fail(group_error::unknown_member_id);
  auto& m = it->second;
  if (req.group_instance_id && m.instance_id != req.group_instance_id)
    return fail(group_error::fenced_instance_id);
  if (req.generation_id != generation_) return fail(group_error::illegal_generation);
  if ((req.protocol_type && *req.protocol_type != protocol_type_) ||
      (req.protocol_name && *req.protocol_name != protocol_name_))
    return fail(group_error::inconsistent_group_protocol);
  if (phase_ == group_phase::empty) return fail(group_error::unknown_member_id);
  if (phase_ == group_phase::preparing_rebalance) return fail(group_error::rebalance_in_progress);
  (void)version;
  arm_heartbeat(m);
  r.protocol_type = protocol_type_;
  r.protocol_name = protocol_name_;
  if (phase_ == group_phase::stable) {
    r.assignment = m.assignment;
    return reply(r);
  }
  m.pending_sync = std::move(reply);
  if (req.member_id != leader_) return;
  for (auto& [id, other] : members_) other.assignment.clear();
  for (auto& a : req.assignments)
    if (auto o = members_.find(a.member_id); o != members_.end())
      o->second.assignment = a.assignment;
  phase_ = group_phase::stable;
  for (auto& [id, other] : members_) {
    if (!other.pending_sync) continue;
    r.assignment = other.assignment;
    std::exchange(other.pending_sync, nullptr)(r);
  }
}

int16_t consumer_group::heartbeat(const msg::heartbeat_request& req) {
  if (phase_ == group_phase::dead) return group_error::coordinator_not_available;
  auto it = members_.find(req.member_id);
  if (req.group_instance_id) {
    auto* owner = find_by_instance(*req.group_instance_id);
    if (owner && owner->member_id != req.member_id) return group_error::fenced_instance_id;
  }
  if (it == members_.end()) return group_error::unknown_member_id;
  if (req.generation_id != generation_) return group_error::illegal_generation;
  if (phase_ == group_phase::empty) return group_error::unknown_member_id;
  arm_heartbeat(it->second);
  if (phase_ == group_phase::preparing_rebalance) return group_error::rebalance_in_progress;
  return group_error::none;
}

msg::leave_group_response consumer_group::leave(const msg::leave_group_request& req,
                                                int16_t version) {
  msg::leave_group_response r;
  std::vector<msg::leave_group_request::member_identity> who = req.members;
  if (version < 3) {
    msg::leave_group_request::member_identity one;
    one.member_id = req.member_id;
    who = {one};
  }
  if (phase_ == group_phase::dead) {
    r.error_code = group_error::coordinator_not_available;
    return r;
  }
  bool removed = false;
  for (auto& w : who) {
    msg::leave_group_response::member_response out;
    out.member_id = w.member_id;
    out.group_instance_id = w.group_instance_id;
    std::string target = w.member_id;
    if (w.group_instance_id) {
      auto* m = find_by_instance(*w.group_instance_id);
      if (!m)
        out.error_code = group_error::unknown_member_id;
      else if (!w.member_id.empty() && w.member_id != m->member_id)
        out.error_code = group_error::fenced_instance_id;
      else
        target = m->member_id;
    }
    if (out.error_code == group_error::none) {
      if (pending_members_.erase(target)) {
        removed = true;
      } else if (members_.count(target)) {
        remove_member(target);
        removed = true;
      } else {
        out.error_code = group_error::unknown_member_id;
      }
    }
    if (version < 3)
      r.error_code = out.error_code;
    else
      r.members.push_back(std::move(out));
  }
  if (removed) member_left();
  return r;
}

void consumer_group::on_timer(const group_timer& t) {
  if (phase_ == group_phase::dead) return;
  if (t.kind == group_timer::heartbeat) {
    if (auto p = pending_members_.find(t.member_id); p != pending_members_.end()) {
      if (p->second.seq != t.seq) return;
      pending_members_.erase(p); // never came back with its member id
      return maybe_complete_join();
    }
    auto it = members_.find(t.member_id);
    if (it == members_.end() || it->second.heartbeat_seq != t.seq) return;
    if (it->second.pending_join) return arm_heartbeat(it->second); // held by the join phase
    remove_member(t.member_id);
    return member_left();
  }
  if (t.seq != join_timer_seq_ || phase_ != group_phase::preparing_rebalance) return;
  if (t.kind == group_timer::initial_delay && joined_during_delay_ && initial_delay_left_ms_ > 0) {
    int32_t delay = static_cast<int32_t>(
        std::min<int64_t>(settings_.initial_rebalance_delay_ms, initial_delay_left_ms_));
    initial_delay_left_ms_ -= delay;
    joined_during_delay_ = false;
    return arm_join_timer(delay, group_timer::initial_delay);
  }
  complete_join();
}

int16_t consumer_group::validate_commit(int32_t generation, const std::string& member_id,
                                        const std::optional<std::string>& instance_id) {
  if (phase_ == group_phase::dead) return group_error::coordinator_not_available;
  if (generation < 0 && phase_ == group_phase::empty) return group_error::none;
  if (instance_id) {
    auto* owner = find_by_instance(*instance_id);
    if (owner && owner->member_id != member_id) return group_error::fenced_instance_id;
  }
  if (phase_ == group_phase::completing_rebalance) return group_error::rebalance_in_progress;
  auto it = members_.find(member_id);
  if (it == members_.end()) return group_error::unknown_member_id;
  if (generation != generation_) return group_error::illegal_generation;
  arm_heartbeat(it->second); // a commit proves the member is alive
  return group_error::none;
}

void consumer_group::mark_dead() {
  std::vector<std::string> ids;
  for (auto& [id, m] : members_) ids.push_back(id);
  for (auto& id : ids) remove_member(id);
  pending_members_.clear();
  phase_ = group_phase::dead;
}

msg::describe_groups_response::described_group consumer_group::describe() const {
  msg::describe_groups_response::described_group g;
  g.group_id = id_;
  g.group_state = phase_name(phase_);
  g.protocol_type = protocol_type_;
  bool stable = phase_ == group_phase::stable;
  g.protocol_data = stable ? protocol_name_ : std::string{};
  for (auto& [id, m] : members_) {
    msg::describe_groups_response::described_group_member dm;
    dm.member_id = id;
    dm.group_instance_id = m.instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    if (stable) {
      if (auto* meta = metadata_of(m, protocol_name_)) dm.member_metadata = *meta;
      dm.member_assignment = m.assignment;
    }
    g.members.push_back(std::move(dm));
  }
  return g;
}

std::vector<std::string> consumer_group::subscribed_topics() const {
  // ConsumerProtocolSubscription: int16 version, array of int16-length strings, ...
  std::vector<std::string> out;
  if (protocol_type_ != "consumer") return out;
  for (auto& [id, m] : members_) {
    auto* meta = metadata_of(m, protocol_name_);
    if (!meta && !m.protocols.empty()) meta = &m.protocols.front().second;
    if (!meta) continue;
    protocol::reader r{*meta};
    r.i16();
    auto n = r.i32();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      auto len = r.i16();
      if (len < 0 || !r.has(static_cast<size_t>(len))) break;
      auto bytes = r.take(static_cast<size_t>(len));
      out.emplace_back(bytes.begin(), bytes.end());
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace caudal::actors
