// The cluster topic manager's lifecycle and image following: local replicas
// spawned and dropped as the controller's image says, and the metadata
// snapshot sessions read. Admin requests: cluster_topic_admin.cpp.

#include "actors/cluster_topic_manager.h"

#include <algorithm>
#include <charconv>

#include <caf/all.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "actors/atoms.h"
#include "actors/cluster_topic_reassign.h"
#include "actors/cluster_topic_state.h"
#include "actors/partition_actor.h"
#include "storage/topic_config.h"

namespace caudal::actors {

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

const metadata::config_map& configs_of(const metadata::image& img, const std::string& topic) {
  static const metadata::config_map none;
  auto it = img.topic_configs.find(topic);
  return it == img.topic_configs.end() ? none : it->second;
}

storage::log_config log_config_for(const cluster_topic_state& st, const std::string& topic) {
  auto cfg = storage::make_log_config(configs_of(*st.image, topic), st.args.broker_topic_defaults);
  if (cfg) return *cfg;
  // The controller validated the overrides; defaults beat refusing the data.
  spdlog::warn("topic {}: config invalid ({}); using defaults", topic, cfg.error().message);
  return storage::log_config{};
}

int32_t min_insync_for(const cluster_topic_state& st, const std::string& topic) {
  auto& over = configs_of(*st.image, topic);
  auto it = over.find("min.insync.replicas");
  auto text = it != over.end() ? it->second
                               : storage::effective_default("min.insync.replicas",
                                                            st.args.broker_topic_defaults);
  int32_t n = 1;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  return ec == std::errc{} && n >= 1 ? n : 1;
}

/// FNV-1a: a per-group seed that does not depend on the standard library.
uint64_t group_seed(uint64_t seed, const std::string& group) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : group) h = (h ^ c) * 1099511628211ULL;
  return h;
}

replication_args replication_for(cluster_topic_state& st, const std::string& group,
                                 const std::vector<int32_t>& voters, int32_t min_insync) {
  replication_args r;
  r.group = group;
  r.self = st.args.node_id;
  r.voters = voters;
  r.transport = st.args.transport;
  r.router = st.args.router;
  r.controller = st.args.controller;
  r.meta = st.args.meta;
  r.election_timeout_ms = st.args.election_timeout_ms;
  r.fetch_wait_ms = st.args.fetch_wait_ms;
  r.min_insync_replicas = min_insync;
  auto instance = st.replicas_opened[group]++; // 0 for the first: its seed is the group's
  r.seed = group_seed(st.args.seed, group) ^ (instance * 0x9e3779b97f4a7c15ULL);
  return r;
}

void spawn_local(cluster_topic_self self, const metadata::topic_state& t, int32_t p,
                 const metadata::partition_state& ps) {
  auto& st = self->state;
  partition_args pa;
  pa.topic = t.name;
  pa.partition = p;
  pa.dir = storage::partition_dir(st.args.log_dir, t.name, p);
  pa.config = log_config_for(st, t.name);
  pa.fs = st.args.fs;
  pa.clock = st.args.clock;
  pa.retention_check_interval_ms = st.args.retention_check_interval_ms;
  pa.producer_id_expiration_ms = st.args.producer_id_expiration_ms;
  auto voters = voters_of(ps); // an added replica starts as an observer
  pa.replication =
      replication_for(st, t.name + "/" + std::to_string(p), voters, min_insync_for(st, t.name));
  // Never led (no report yet): its preferred replica need not wait out an
  // election timeout.
  pa.replication->campaign_at_start = ps.leader == metadata::no_leader && ps.leader_epoch == 0 &&
                                      !voters.empty() && voters.front() == st.args.node_id;
  std::string error;
  auto actor = spawn_partition(self->system(), std::move(pa), error);
  if (!actor) {
    spdlog::error("node {}: cannot open {}/{}: {}", st.args.node_id, t.name, p, error);
    return; // tried again at the next image
  }
  self->link_to(actor);
  send_replica_sets(self, actor, ps);
  st.local[{t.id, p}] = local_partition{t.name, p, actor, std::move(voters)};
}

void drop_local(cluster_topic_self self, const protocol::uuid& id, const local_partition& lp) {
  auto& st = self->state;
  std::string id_hex;
  for (auto b : id) id_hex += fmt::format("{:02x}", b);
  auto dir = storage::partition_dir(st.args.log_dir, lp.topic, lp.partition);
  auto moved = dir + "." + id_hex + "-delete"; // Kafka's naming for deleted logs
  if (auto r = st.args.fs->rename(dir, moved); !r) {
    spdlog::error("cannot move {} aside: {}", dir, r.error().message);
    moved = dir;
  }
  self->unlink_from(lp.actor);
  self->send(lp.actor, drop_atom::value, moved);
}

} // namespace

namespace {

/// Local replicas the image no longer assigns here go first, so that a
/// topic deleted and created again under its name gets a fresh directory.
void drop_removed(cluster_topic_self self) {
  auto& st = self->state;
  auto& img = *st.image;
  for (auto it = st.local.begin(); it != st.local.end();) {
    auto* ps = img.partition(it->first.first, it->first.second);
    if (ps && (contains(ps->replicas, st.args.node_id) || contains(ps->adding, st.args.node_id))) {
      ++it;
      continue;
    }
    drop_local(self, it->first.first, it->second);
    it = st.local.erase(it);
  }
}

void spawn_assigned(cluster_topic_self self) {
  auto& st = self->state;
  auto me = st.args.node_id;
  for (auto& [id, t] : st.image->topics)
    for (auto& [p, ps] : t.partitions)
      if ((contains(ps.replicas, me) || contains(ps.adding, me)) && !st.local.count({id, p}))
        spawn_local(self, t, p, ps);
}

void push_changed_configs(cluster_topic_self self, const metadata::image& before) {
  auto& st = self->state;
  std::map<std::string, storage::log_config> changed;
  for (auto& [key, lp] : st.local) {
    if (configs_of(before, lp.topic) == configs_of(*st.image, lp.topic)) continue;
    if (!changed.count(lp.topic)) changed[lp.topic] = log_config_for(st, lp.topic);
    self->send(lp.actor, config_atom::value, changed[lp.topic]);
  }
}

topic_entry entry_for(const cluster_topic_state& st, const metadata::topic_state& t) {
  topic_entry e;
  e.name = t.name;
  e.id = t.id;
  e.internal = t.internal;
  e.configs = configs_of(*st.image, t.name);
  auto count = t.partitions.empty() ? 0 : t.partitions.rbegin()->first + 1;
  e.partitions.resize(static_cast<size_t>(count));
  e.views.resize(static_cast<size_t>(count));
  for (auto& [p, ps] : t.partitions) {
    if (p < 0) continue;
    e.views[p] = partition_view{ps.leader, ps.leader_epoch, ps.replicas, ps.isr};
    if (auto it = st.local.find({t.id, p}); it != st.local.end())
      e.partitions[p] = it->second.actor;
    e.replication_factor = static_cast<int16_t>(ps.replicas.size());
  }
  return e;
}

/// Latches `serving` once the image shows this process's registration,
/// unfenced: everything committed before the restart is applied by then.
void check_caught_up(cluster_topic_state& st) {
  if (st.serving || st.incarnation == 0) return;
  auto* me = st.image->node(st.args.node_id);
  if (!me || me->fenced || me->registration.incarnation != st.incarnation) return;
  st.serving = true;
  spdlog::info("node {}: metadata caught up; serving clients", st.args.node_id);
}

void publish_snapshot(cluster_topic_self self) {
  auto& st = self->state;
  check_caught_up(st);
  auto snap = std::make_shared<metadata_snapshot>();
  snap->serving = st.serving;
  for (auto& [id, n] : st.image->nodes) {
    if (n.fenced || n.decommissioned) continue;
    auto& r = n.registration;
    snap->brokers.push_back(broker_view{id, r.host, r.port, r.rack});
  }
  snap->controller_id = st.leader;
  for (auto& [id, t] : st.image->topics) {
    snap->topics.emplace(t.name, std::make_shared<const topic_entry>(entry_for(st, t)));
    snap->names_by_id.emplace(id, t.name);
  }
  st.args.cache->publish(std::move(snap));
}

void check_waiters(cluster_topic_self self) {
  auto& st = self->state;
  std::vector<std::function<void()>> ready;
  std::erase_if(st.waiters, [&](auto& w) {
    if (!w.second.ready(*st.image)) return false;
    ready.push_back(std::move(w.second.done));
    return true;
  });
  for (auto& f : ready) f();
}

void follow_image(cluster_topic_self self, image_ptr img, int32_t leader) {
  auto& st = self->state;
  if (!img) return;
  auto before = st.image;
  st.image = std::move(img);
  st.leader = leader;
  drop_removed(self);
  spawn_assigned(self);
  push_replica_sets(self, *before);
  push_leader_views(self, *before);
  push_changed_configs(self, *before);
  publish_snapshot(self);
  check_waiters(self);
  elastic_follow_image(self); // cluster_topic_elastic.cpp
}

/// Asks the local controller which incarnation this process registers with
/// (readiness waits for the image to show it).
void learn_incarnation(cluster_topic_self self) {
  self->request(self->state.args.controller, std::chrono::seconds{10}, status_atom::value)
      .then(
          [self](controller_status& s) {
            self->state.incarnation = s.incarnation;
            publish_snapshot(self);
          },
          [self](caf::error& e) {
            spdlog::warn("node {}: controller status: {}; asking again", self->state.args.node_id,
                         self->system().render(e));
            self->delayed_send(self, std::chrono::seconds{1}, retry_atom::value);
          });
}

} // namespace

void send_command(cluster_topic_self self, controller_command cmd,
                  std::function<void(const command_result&)> then) {
  auto timeout = std::chrono::milliseconds(self->state.args.request_timeout_ms + 1000);
  self->request(self->state.args.controller, timeout, command_atom::value, std::move(cmd))
      .then([then](command_result& r) { then(r); },
            [then](caf::error& e) {
              then(command_result{controller_errc::request_timed_out, caf::to_string(e), {}});
            });
}

void when_image(cluster_topic_self self, std::function<bool(const metadata::image&)> ready,
                std::function<void()> done) {
  auto& st = self->state;
  if (ready(*st.image)) return done();
  auto id = st.next_waiter++;
  st.waiters[id] = image_waiter{std::move(ready), std::move(done)};
  self->delayed_send(self, std::chrono::milliseconds(st.args.image_wait_ms), done_atom::value, id);
}

command_item item_of(const command_result& r, size_t i, const std::string& name) {
  if (r.error != 0) return command_item{name, r.error, r.message};
  if (i < r.items.size()) return r.items[i];
  return command_item{name, -1, "the controller gave no result for this item"};
}

caf::actor spawn_cluster_topic_manager(caf::actor_system& sys, cluster_topic_manager_args args) {
  return sys.spawn([a = std::move(args)](cluster_topic_self self) mutable -> caf::behavior {
    self->state.args = std::move(a);
    publish_snapshot(self);
    self->send(self->state.args.controller, subscribe_atom::value,
               caf::actor_cast<caf::actor>(self));
    learn_incarnation(self);
    return caf::behavior{cluster_topic_admin(self)
                             .or_else(cluster_topic_elastic(self))
                             .or_else(caf::message_handler{
                                 [=](image_atom, image_ptr& img, int32_t leader) {
                                   follow_image(self, std::move(img), leader);
                                 },
                                 [=](retry_atom) { learn_incarnation(self); },
                                 [=](done_atom, uint64_t id) { // a waiter's deadline
                                   auto it = self->state.waiters.find(id);
                                   if (it == self->state.waiters.end()) return;
                                   auto done = std::move(it->second.done);
                                   self->state.waiters.erase(it);
                                   done();
                                 },
                             })};
  });
}

} // namespace caudal::actors
