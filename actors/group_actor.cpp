#include "actors/group_actor.h"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/error_codes.h"
#include "actors/group_offsets.h"
#include "actors/partition_messages.h"

namespace caudal::actors {

namespace {

using commit_entries =
    std::vector<std::pair<storage::group_offset_key, std::optional<storage::committed_offset>>>;

struct group_actor_state {
  group_actor_args args;
  std::unique_ptr<consumer_group> group;
  uint32_t incarnation = 0; // timers of a replaced consumer_group are stale
  offsets_map offsets;
  // Cluster mode: the leader epoch of the offsets partition at which `offsets`
  // were replayed from its log (-1: not loaded, not coordinator).
  int32_t loaded_epoch = -1;
  bool loading = false;
  static inline const char* name = "consumer_group";
};

using group_self = caf::stateful_actor<group_actor_state>*;

constexpr size_t max_metadata_bytes = 4096; // Kafka's offset.metadata.max.bytes

int64_t now_ms(group_self self) { return self->state.args.common.clock.now_ms(self->clock()); }

/// The partition actor of `__consumer_offsets` that stores this group, if the topic exists.
caf::actor offsets_partition(group_self self) {
  auto snap = self->state.args.common.cache->get();
  auto* t = snap->find(offsets_topic);
  if (!t || t->partitions.empty()) return {};
  auto n = static_cast<int32_t>(t->partitions.size());
  return t->partitions[offsets_partition_for(self->state.args.group_id, n)];
}

void load_offsets(group_self self) {
  auto& st = self->state;
  auto stored = st.args.common.meta->list_offsets(st.args.group_id);
  if (!stored) {
    spdlog::error("group '{}': cannot load offsets: {}", st.args.group_id, stored.error().message);
    return;
  }
  for (auto& [k, v] : *stored) st.offsets[{k.topic, k.partition}] = v;
}

/// Single node: appends tombstones without waiting, LMDB already has the
/// change and is what the node reloads; the log copy is for Kafka's tools.
void append_async(group_self self, const commit_entries& entries) {
  auto part = offsets_partition(self);
  if (!part || entries.empty()) return;
  append_request ar{build_offsets_batch(entries, now_ms(self)), -1};
  self->request(part, caf::infinite, append_atom::value, std::move(ar))
      .then([](append_reply&) {}, [](caf::error&) {});
}

struct commit_slot {
  size_t topic = 0;
  size_t partition = 0;
};

void set_all(msg::offset_commit_response& r, const std::vector<commit_slot>& slots, int16_t e) {
  for (auto& s : slots) r.topics[s.topic].partitions[s.partition].error_code = e;
}

/// Per-partition checks; returns the entries to write and where their answers go.
commit_entries check_commit(group_self self, const msg::offset_commit_request& req, int16_t version,
                            msg::offset_commit_response& resp, std::vector<commit_slot>& slots) {
  commit_entries entries;
  auto snap = self->state.args.common.cache->get();
  auto now = now_ms(self);
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    auto* topic = snap->find(t.name);
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      bool known = topic && p.partition_index >= 0 &&
                   p.partition_index < static_cast<int32_t>(topic->partitions.size());
      auto meta = p.committed_metadata.value_or("");
      if (!known)
        rp.error_code = 3; // UNKNOWN_TOPIC_OR_PARTITION
      else if (meta.size() > max_metadata_bytes)
        rp.error_code = group_error::offset_metadata_too_large;
      if (rp.error_code != 0) continue;
      storage::committed_offset v;
      v.offset = p.committed_offset;
      v.leader_epoch = version >= 6 ? p.committed_leader_epoch : -1;
      v.metadata = std::move(meta);
      v.commit_time_ms = (version == 1 && p.commit_timestamp >= 0) ? p.commit_timestamp : now;
      entries.emplace_back(
          storage::group_offset_key{self->state.args.group_id, t.name, p.partition_index}, v);
      slots.push_back({resp.topics.size() - 1, rt.partitions.size() - 1});
    }
  }
  return entries;
}

void step_down(group_self self);

/// OffsetCommit's answer to a failed append of the offsets batch: all retriable,
/// so the client commits again (at the new coordinator after a leader change).
int16_t commit_error(group_self self, int16_t append_error) {
  switch (append_error) {
  case 10:     // MESSAGE_TOO_LARGE
  case 18:     // RECORD_LIST_TOO_LARGE
    return 28; // INVALID_COMMIT_OFFSET_SIZE
  case error_code::not_leader_or_follower:
    step_down(self);
    return group_error::not_coordinator;
  case group_error::request_timed_out:
    return group_error::request_timed_out;
  default:
    return group_error::coordinator_not_available;
  }
}

void commit(group_self self, const msg::offset_commit_request& req, int16_t version,
            caf::typed_response_promise<msg::offset_commit_response> rp,
            bool topic_requested = false) {
  msg::offset_commit_response resp;
  std::vector<commit_slot> slots;
  auto entries = check_commit(self, req, version, resp, slots);
  int32_t generation = version >= 1 ? req.generation_id_or_member_epoch : -1;
  auto member = version >= 1 ? req.member_id : std::string{};
  auto e = self->state.group->validate_commit(generation, member, req.group_instance_id);
  if (e != group_error::none) {
    for (auto& t : resp.topics)
      for (auto& p : t.partitions) p.error_code = e;
    return rp.deliver(std::move(resp)), void();
  }
  if (entries.empty()) return rp.deliver(std::move(resp)), void();
  auto part = offsets_partition(self);
  if (!part && !topic_requested) {
    // First commit of the node: have the manager create __consumer_offsets, then retry.
    self->request(self->state.args.manager, caf::infinite, gready_atom::value)
        .then([=](bool) { commit(self, req, version, rp, true); },
              [=](caf::error&) { commit(self, req, version, rp, true); });
    return;
  }
  if (!part) {
    set_all(resp, slots, group_error::coordinator_not_available);
    return rp.deliver(std::move(resp)), void();
  }
  append_request ar{build_offsets_batch(entries, now_ms(self)), -1};
  self->request(part, caf::infinite, append_atom::value, std::move(ar))
      .then(
          [=](append_reply& r) mutable {
            if (r.error != 0) {
              set_all(resp, slots, commit_error(self, r.error));
              return rp.deliver(std::move(resp)), void();
            }
            std::vector<std::pair<storage::group_offset_key, storage::committed_offset>> rows;
            for (auto& [k, v] : entries) rows.emplace_back(k, *v);
            if (auto s = self->state.args.common.meta->put_offsets(rows); !s) {
              spdlog::error("group '{}': offset commit not stored: {}", self->state.args.group_id,
                            s.error().message);
              set_all(resp, slots, -1);
              return rp.deliver(std::move(resp)), void();
            }
            for (auto& [k, v] : rows) self->state.offsets[{k.topic, k.partition}] = v;
            rp.deliver(std::move(resp));
          },
          [=](caf::error&) mutable {
            set_all(resp, slots, group_error::coordinator_not_available);
            rp.deliver(std::move(resp));
          });
}

/// Tombstones for deleted offsets. Cluster mode answers once they are
/// replicated (the log is the truth there: a new coordinator would otherwise
/// bring the offsets back); a single node at once (LMDB has the change).
void write_tombstones(group_self self, const commit_entries& entries,
                      std::function<void(int16_t)> done) {
  if (!is_cluster(*self->state.args.common.cache->get())) {
    append_async(self, entries);
    return done(group_error::none);
  }
  auto part = offsets_partition(self);
  if (entries.empty()) return done(group_error::none);
  if (!part) return done(group_error::coordinator_not_available);
  append_request ar{build_offsets_batch(entries, now_ms(self)), -1};
  self->request(part, caf::infinite, append_atom::value, std::move(ar))
      .then([=](append_reply& r) { done(r.error == 0 ? 0 : commit_error(self, r.error)); },
            [=](caf::error&) { done(group_error::coordinator_not_available); });
}

void delete_offsets(group_self self, const msg::offset_delete_request& req,
                    caf::typed_response_promise<msg::offset_delete_response> rp) {
  auto& st = self->state;
  msg::offset_delete_response resp;
  auto phase = st.group->phase();
  bool active = phase != group_phase::empty && phase != group_phase::dead;
  if (active && st.group->protocol_type() != "consumer") {
    resp.error_code = group_error::non_empty_group;
    return rp.deliver(std::move(resp)), void();
  }
  auto subscribed = active ? st.group->subscribed_topics() : std::vector<std::string>{};
  commit_entries tombstones;
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    bool busy = std::find(subscribed.begin(), subscribed.end(), t.name) != subscribed.end();
    for (auto& p : t.partitions) {
      auto& out = rt.partitions.emplace_back();
      out.partition_index = p.partition_index;
      if (busy) {
        out.error_code = group_error::group_subscribed_to_topic;
        continue;
      }
      storage::group_offset_key key{st.args.group_id, t.name, p.partition_index};
      if (!st.offsets.erase({t.name, p.partition_index})) continue;
      if (auto r = st.args.common.meta->delete_offset(key); !r) out.error_code = -1;
      tombstones.emplace_back(key, std::nullopt);
    }
  }
  write_tombstones(self, tombstones, [=](int16_t e) mutable {
    if (e != group_error::none) resp.error_code = e;
    rp.deliver(std::move(resp));
  });
}

void delete_group(group_self self, caf::typed_response_promise<int16_t> rp) {
  auto& st = self->state;
  auto phase = st.group->phase();
  if (phase != group_phase::empty && phase != group_phase::dead)
    return rp.deliver(group_error::non_empty_group), void();
  if (auto r = st.args.common.meta->delete_group_offsets(st.args.group_id); !r)
    return rp.deliver(int16_t{-1}), void();
  commit_entries tombstones;
  for (auto& [k, v] : st.offsets)
    tombstones.emplace_back(storage::group_offset_key{st.args.group_id, k.first, k.second},
                            std::nullopt);
  st.offsets.clear();
  st.group->mark_dead();
  write_tombstones(self, tombstones, [=](int16_t e) mutable { rp.deliver(e); });
}

template <class T>
std::function<void(T)> deliver_to(caf::typed_response_promise<T> rp) {
  return [rp](T r) mutable { rp.deliver(std::move(r)); };
}

} // namespace

msg::offset_fetch_response::offset_fetch_response_group fetch_offsets(const offsets_map& offsets,
                                                                      const offset_fetch_query& q) {
  using group_t = msg::offset_fetch_response::offset_fetch_response_group;
  group_t g;
  g.group_id = q.group_id;
  auto add = [&](const std::string& topic, int32_t partition) {
    if (g.topics.empty() || g.topics.back().name != topic) g.topics.emplace_back().name = topic;
    auto& p = g.topics.back().partitions.emplace_back();
    p.partition_index = partition;
    auto it = offsets.find({topic, partition});
    p.committed_offset = it == offsets.end() ? -1 : it->second.offset;
    p.committed_leader_epoch = it == offsets.end() ? -1 : it->second.leader_epoch;
    p.metadata = it == offsets.end() ? std::string{} : it->second.metadata;
  };
  if (!q.topics) {
    for (auto& [k, v] : offsets) add(k.first, k.second);
    return g;
  }
  for (auto& [topic, parts] : *q.topics) {
    if (parts.empty()) g.topics.emplace_back().name = topic;
    for (auto p : parts) add(topic, p);
  }
  return g;
}

msg::join_group_response join_refused(const msg::join_group_request& req, int16_t version,
                                      int16_t error) {
  msg::join_group_response r;
  r.error_code = error;
  r.generation_id = -1;
  r.member_id = req.member_id;
  if (version >= 7) r.protocol_name = std::nullopt;
  return r;
}

msg::sync_group_response sync_refused(int16_t error) {
  msg::sync_group_response r;
  r.error_code = error;
  return r;
}

msg::leave_group_response leave_refused(const msg::leave_group_request& req, int16_t error) {
  msg::leave_group_response r;
  r.error_code = error;
  for (auto& m : req.members) {
    auto& out = r.members.emplace_back();
    out.member_id = m.member_id;
    out.group_instance_id = m.group_instance_id;
    out.error_code = error;
  }
  return r;
}

msg::offset_commit_response commit_refused(const msg::offset_commit_request& req, int16_t error) {
  msg::offset_commit_response r;
  for (auto& t : req.topics) {
    auto& rt = r.topics.emplace_back();
    rt.name = t.name;
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      rp.error_code = error;
    }
  }
  return r;
}

msg::offset_fetch_response::offset_fetch_response_group fetch_refused(const offset_fetch_query& q,
                                                                      int16_t error) {
  // Old versions (v0/v1) carry errors per partition only: set both.
  auto g = fetch_offsets({}, q);
  g.error_code = error;
  for (auto& t : g.topics)
    for (auto& p : t.partitions) p.error_code = error;
  return g;
}

msg::offset_delete_response offdel_refused(int16_t error) {
  msg::offset_delete_response r;
  r.error_code = error;
  return r;
}

msg::describe_groups_response::described_group describe_refused(const std::string& group,
                                                                int16_t error) {
  msg::describe_groups_response::described_group d;
  d.group_id = group;
  d.error_code = error;
  return d;
}

namespace {

/// A fresh consumer_group: membership does not survive a change of
/// coordinator (Kafka rebalances then too); timers of the old one are ignored.
void reset_group(group_self self) {
  auto& st = self->state;
  if (st.group) st.group->mark_dead(); // pending joins and syncs get an error now
  auto inc = ++st.incarnation;
  auto schedule = [self, inc](int64_t delay_ms, group_timer t) {
    self->delayed_send(self, std::chrono::milliseconds{delay_ms}, gtimer_atom::value,
                       static_cast<int8_t>(t.kind), t.member_id, t.seq, inc);
  };
  // Every incarnation gets its own member-id generator, derived from the actor's seed.
  st.group = std::make_unique<consumer_group>(st.args.group_id, st.args.common.settings, schedule,
                                              st.args.seed + inc - 1);
}

/// This node no longer leads the offsets partition: forget what was loaded so
/// that leading it again replays the log (commits made elsewhere meanwhile).
void step_down(group_self self) {
  auto& st = self->state;
  if (st.loaded_epoch < 0) return;
  spdlog::info("group '{}': no longer coordinator (epoch {})", st.args.group_id, st.loaded_epoch);
  st.loaded_epoch = -1;
  reset_group(self);
}

/// Replay of the offsets partition, from its log start up to `target` (the
/// log end when loading began: the new leader's epoch marker is below it,
/// so reading until the HW passes it sees every committed earlier record).
struct load_job {
  caf::actor replica;
  int32_t epoch = -1;
  int64_t next = 0;
  int64_t target = 0;
  int32_t waits_left = 60; // x 500 ms: a leader without quorum gives up, a later request retries
  offsets_map offsets;
};
using load_ptr = std::shared_ptr<load_job>;

constexpr int64_t load_wait_ms = 500;
constexpr auto load_timeout = std::chrono::seconds{10};

void abort_loading(group_self self, const std::string& why) {
  spdlog::warn("group '{}': loading offsets failed: {}", self->state.args.group_id, why);
  self->state.loading = false;
}

/// The replayed offsets replace the local ones, and LMDB (a cache in cluster mode).
void finish_loading(group_self self, const load_job& job) {
  auto& st = self->state;
  st.loading = false;
  st.loaded_epoch = job.epoch;
  st.offsets = job.offsets;
  auto& meta = *st.args.common.meta;
  std::vector<std::pair<storage::group_offset_key, storage::committed_offset>> rows;
  for (auto& [k, v] : st.offsets)
    rows.emplace_back(storage::group_offset_key{st.args.group_id, k.first, k.second}, v);
  auto cleared = meta.delete_group_offsets(st.args.group_id);
  auto stored = cleared ? meta.put_offsets(rows) : storage::status{cleared.error()};
  if (!stored)
    spdlog::warn("group '{}': LMDB copy of the offsets not refreshed: {}", st.args.group_id,
                 stored.error().message);
  spdlog::info("group '{}': {} offsets loaded from {} up to offset {} at epoch {}",
               st.args.group_id, st.offsets.size(), offsets_topic, job.next, job.epoch);
}

void load_step(group_self self, load_ptr job);

/// Nothing readable at `next` yet: the HW has not reached it (the new leader's
/// marker is not committed yet); wait for it, a bounded number of times.
void wait_for_commit(group_self self, load_ptr job) {
  if (job->waits_left-- <= 0) return abort_loading(self, "high watermark did not advance");
  self->request(job->replica, load_timeout, wait_atom::value, job->next, load_wait_ms)
      .then([=](bool) { load_step(self, job); },
            [=](caf::error& e) { abort_loading(self, self->system().render(e)); });
}

void on_loaded_chunk(group_self self, load_ptr job, read_reply& r) {
  if (r.error == error_code::offset_out_of_range && r.log_start_offset > job->next) {
    job->next = r.log_start_offset; // retention removed the beginning meanwhile
    return load_step(self, job);
  }
  if (r.error != 0) return abort_loading(self, "read error " + std::to_string(r.error));
  if (r.records.empty()) return wait_for_commit(self, job);
  auto e = replay_offsets(r.records, self->state.args.group_id, job->next, job->offsets);
  if (e != protocol::batch_error::none)
    return abort_loading(self, std::string{"corrupt batch: "} + protocol::to_string(e));
  load_step(self, job);
}

void load_step(group_self self, load_ptr job) {
  if (job->next >= job->target) return finish_loading(self, *job);
  read_request req{job->next, 1048576, true};
  self->request(job->replica, load_timeout, read_atom::value, req)
      .then([=](read_reply& r) { on_loaded_chunk(self, job, r); },
            [=](caf::error& e) { abort_loading(self, self->system().render(e)); });
}

void start_loading(group_self self, const caf::actor& replica, const partition_status& s) {
  auto& st = self->state;
  if (st.loading) return;
  st.loading = true;
  st.loaded_epoch = -1;
  reset_group(self);
  auto job = std::make_shared<load_job>();
  job->replica = replica;
  job->epoch = s.leader_epoch;
  job->next = s.log_start_offset;
  job->target = s.log_end_offset;
  load_step(self, job);
}

using refusal = std::function<void(int16_t)>;

/// Runs `serve` when this node coordinates the group with its offsets loaded,
/// else `refuse(error)`: NOT_COORDINATOR (the client finds the coordinator
/// again), COORDINATOR_LOAD_IN_PROGRESS (retry shortly) or
/// COORDINATOR_NOT_AVAILABLE. A single node coordinates every group.
void when_coordinator(group_self self, std::function<void()> serve, refusal refuse) {
  auto& id = self->state.args.group_id;
  auto snap = self->state.args.common.cache->get();
  if (!is_cluster(*snap)) return serve();
  if (auto e = coordinator_precheck(*snap, id); e != 0) {
    step_down(self);
    return refuse(e);
  }
  auto replica = offsets_replica(*snap, id);
  // The replica, not the (possibly lagging) metadata, says who leads right now.
  self->request(replica, load_timeout, status_atom::value)
      .then(
          [=](partition_status& s) {
            if (!s.leader) {
              step_down(self);
              return refuse(group_error::not_coordinator);
            }
            if (self->state.loaded_epoch == s.leader_epoch) return serve();
            if (self->state.loaded_epoch >= 0) step_down(self); // re-elected: others may have led
            start_loading(self, replica, s);
            refuse(group_error::coordinator_load_in_progress);
          },
          [=](caf::error&) { refuse(group_error::coordinator_not_available); });
}

/// A promise for `T` and a refusal that answers it with `refused(error)`.
template <class T, class Refused>
std::pair<caf::typed_response_promise<T>, refusal> promise_with(group_self self, Refused refused) {
  auto rp = self->make_response_promise<T>();
  return {rp, [rp, refused](int16_t e) mutable { rp.deliver(refused(e)); }};
}

/// JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the group's timers.
caf::message_handler membership_handlers(group_self self) {
  return {
      [=](gjoin_atom, msg::join_group_request& req, int16_t version, client_info& client) {
        auto [rp, refuse] = promise_with<msg::join_group_response>(
            self, [=](int16_t e) { return join_refused(req, version, e); });
        when_coordinator(
            self, [=]() mutable { self->state.group->join(req, version, client, deliver_to(rp)); },
            refuse);
        return rp;
      },
      [=](gsync_atom, msg::sync_group_request& req, int16_t version) {
        auto [rp, refuse] = promise_with<msg::sync_group_response>(self, sync_refused);
        when_coordinator(
            self, [=]() mutable { self->state.group->sync(req, version, deliver_to(rp)); }, refuse);
        return rp;
      },
      [=](gbeat_atom, msg::heartbeat_request& req) {
        auto [rp, refuse] = promise_with<int16_t>(self, [](int16_t e) { return e; });
        when_coordinator(
            self, [=]() mutable { rp.deliver(self->state.group->heartbeat(req)); }, refuse);
        return rp;
      },
      [=](gleave_atom, msg::leave_group_request& req, int16_t version) {
        auto [rp, refuse] = promise_with<msg::leave_group_response>(
            self, [=](int16_t e) { return leave_refused(req, e); });
        when_coordinator(
            self, [=]() mutable { rp.deliver(self->state.group->leave(req, version)); }, refuse);
        return rp;
      },
      [=](gtimer_atom, int8_t kind, std::string& member, uint64_t seq, uint32_t inc) {
        if (inc != self->state.incarnation) return; // set by a consumer_group since replaced
        group_timer t{static_cast<group_timer::kind_t>(kind), std::move(member), seq};
        self->state.group->on_timer(t);
      },
  };
}

/// Offsets and admin: OffsetCommit/Fetch/Delete, Describe, List, Delete.
caf::message_handler offsets_and_admin_handlers(group_self self) {
  return {
      [=](gcommit_atom, msg::offset_commit_request& req, int16_t version) {
        auto [rp, refuse] = promise_with<msg::offset_commit_response>(
            self, [=](int16_t e) { return commit_refused(req, e); });
        when_coordinator(
            self, [=] { commit(self, req, version, rp); }, refuse);
        return rp;
      },
      [=](gfetch_atom, offset_fetch_query& q) {
        auto [rp, refuse] = promise_with<msg::offset_fetch_response::offset_fetch_response_group>(
            self, [=](int16_t e) { return fetch_refused(q, e); });
        when_coordinator(
            self, [=]() mutable { rp.deliver(fetch_offsets(self->state.offsets, q)); }, refuse);
        return rp;
      },
      [=](goffdel_atom, msg::offset_delete_request& req) {
        auto [rp, refuse] = promise_with<msg::offset_delete_response>(self, offdel_refused);
        when_coordinator(
            self, [=] { delete_offsets(self, req, rp); }, refuse);
        return rp;
      },
      [=](gdescribe_atom, std::string& id) {
        auto [rp, refuse] = promise_with<msg::describe_groups_response::described_group>(
            self, [=](int16_t e) { return describe_refused(id, e); });
        when_coordinator(
            self, [=]() mutable { rp.deliver(self->state.group->describe()); }, refuse);
        return rp;
      },
      [=](glist_atom) {
        auto& id = self->state.args.group_id;
        auto [rp, refuse] = promise_with<listed_group>(self, [id](int16_t) {
          return listed_group{id, "", "Dead"};
        }); // not listed here
        when_coordinator(
            self,
            [=]() mutable {
              auto& g = *self->state.group;
              rp.deliver(listed_group{g.id(), g.protocol_type(), phase_name(g.phase())});
            },
            refuse);
        return rp;
      },
      [=](gdelete_atom, std::string&) {
        auto [rp, refuse] = promise_with<int16_t>(self, [](int16_t e) { return e; });
        when_coordinator(
            self, [=] { delete_group(self, rp); }, refuse);
        return rp;
      },
  };
}

caf::behavior group_behavior(group_self self, group_actor_args args) {
  auto& st = self->state;
  st.args = std::move(args);
  reset_group(self);
  // A single node's LMDB is the truth; a cluster node replays the log instead.
  load_offsets(self);
  return membership_handlers(self).or_else(offsets_and_admin_handlers(self));
}

} // namespace

caf::actor spawn_group_actor(caf::event_based_actor* parent, group_actor_args args) {
  return parent->spawn<caf::linked>(group_behavior, std::move(args));
}

} // namespace caudal::actors
