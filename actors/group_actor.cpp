#include "actors/group_actor.h"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/group_offsets.h"
#include "actors/partition_messages.h"

namespace caudal::actors {

namespace {

using commit_entries =
    std::vector<std::pair<storage::group_offset_key, std::optional<storage::committed_offset>>>;

struct group_actor_state {
  group_actor_args args;
  std::unique_ptr<consumer_group> group;
  offsets_map offsets;
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

/// Appends tombstones (or values) without waiting: LMDB already has the
/// change, the log copy is for Kafka tools and future replication.
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
              bool too_big = r.error == 10 || r.error == 18;
              set_all(resp, slots, too_big ? 28 : group_error::coordinator_not_available);
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

msg::offset_delete_response delete_offsets(group_self self, const msg::offset_delete_request& req) {
  auto& st = self->state;
  msg::offset_delete_response resp;
  auto phase = st.group->phase();
  bool active = phase != group_phase::empty && phase != group_phase::dead;
  if (active && st.group->protocol_type() != "consumer") {
    resp.error_code = group_error::non_empty_group;
    return resp;
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
  append_async(self, tombstones);
  return resp;
}

int16_t delete_group(group_self self) {
  auto& st = self->state;
  auto phase = st.group->phase();
  if (phase != group_phase::empty && phase != group_phase::dead)
    return group_error::non_empty_group;
  if (auto r = st.args.common.meta->delete_group_offsets(st.args.group_id); !r) return -1;
  commit_entries tombstones;
  for (auto& [k, v] : st.offsets)
    tombstones.emplace_back(storage::group_offset_key{st.args.group_id, k.first, k.second},
                            std::nullopt);
  append_async(self, tombstones);
  st.offsets.clear();
  st.group->mark_dead();
  return group_error::none;
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

namespace {

caf::behavior group_behavior(group_self self, group_actor_args args) {
  auto& st = self->state;
  auto schedule = [self](int64_t delay_ms, group_timer t) {
    self->delayed_send(self, std::chrono::milliseconds{delay_ms}, gtimer_atom::value,
                       static_cast<int8_t>(t.kind), t.member_id, t.seq);
  };
  st.group =
      std::make_unique<consumer_group>(args.group_id, args.common.settings, schedule, args.seed);
  st.args = std::move(args);
  load_offsets(self);
  return {
      [=](gjoin_atom, msg::join_group_request& req, int16_t version, client_info& client) {
        auto rp = self->make_response_promise<msg::join_group_response>();
        self->state.group->join(req, version, client, deliver_to(rp));
        return rp;
      },
      [=](gsync_atom, msg::sync_group_request& req, int16_t version) {
        auto rp = self->make_response_promise<msg::sync_group_response>();
        self->state.group->sync(req, version, deliver_to(rp));
        return rp;
      },
      [=](gbeat_atom, msg::heartbeat_request& req) { return self->state.group->heartbeat(req); },
      [=](gleave_atom, msg::leave_group_request& req, int16_t version) {
        return self->state.group->leave(req, version);
      },
      [=](gtimer_atom, int8_t kind, std::string& member, uint64_t seq) {
        group_timer t{static_cast<group_timer::kind_t>(kind), std::move(member), seq};
        self->state.group->on_timer(t);
      },
      [=](gcommit_atom, msg::offset_commit_request& req, int16_t version) {
        auto rp = self->make_response_promise<msg::offset_commit_response>();
        commit(self, req, version, rp);
        return rp;
      },
      [=](gfetch_atom, offset_fetch_query& q) { return fetch_offsets(self->state.offsets, q); },
      [=](goffdel_atom, msg::offset_delete_request& req) { return delete_offsets(self, req); },
      [=](gdescribe_atom, std::string&) { return self->state.group->describe(); },
      [=](glist_atom) {
        auto& g = *self->state.group;
        return listed_group{g.id(), g.protocol_type(), phase_name(g.phase())};
      },
      [=](gdelete_atom, std::string&) { return delete_group(self); },
  };
}

} // namespace

caf::actor spawn_group_actor(caf::event_based_actor* parent, group_actor_args args) {
  return parent->spawn<caf::linked>(group_behavior, std::move(args));
}

} // namespace caudal::actors
