#include "actors/group_coordinator.h"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/group_actor.h"
#include "actors/group_offsets.h"

namespace caudal::actors {

namespace {

struct manager_state {
  group_coordinator_args args;
  std::map<std::string, caf::actor> groups;
  uint64_t spawned = 0;
  bool creating_topic = false;
  std::vector<caf::response_promise> waiting_for_topic;
  static inline const char* name = "group_manager";
};

using manager_self = caf::stateful_actor<manager_state>*;

caf::actor group_for(manager_self self, const std::string& id) {
  auto& st = self->state;
  if (auto it = st.groups.find(id); it != st.groups.end()) return it->second;
  group_actor_args a;
  a.group_id = id;
  a.common = st.args;
  a.manager = caf::actor_cast<caf::actor>(self);
  // Every group gets its own member-id generator, derived from the node's seed.
  a.seed = st.args.seed * 6364136223846793005ULL + (++st.spawned);
  auto g = spawn_group_actor(self, std::move(a));
  st.groups.emplace(id, g);
  return g;
}

caf::actor existing(manager_self self, const std::string& id) {
  auto it = self->state.groups.find(id);
  return it == self->state.groups.end() ? caf::actor{} : it->second;
}

/// Where a request for group `id` goes: `actor`, or the answer `error` when
/// set. A cluster node gives an actor to every group whose offsets partition
/// it holds a replica of (offsets committed elsewhere are in that log); a
/// single node only to groups it knows unless `create`.
struct route {
  caf::actor actor;
  int16_t error = 0;
};

route route_for(manager_self self, const std::string& id, bool create) {
  auto snap = self->state.args.cache->get();
  if (!is_cluster(*snap)) return {create ? group_for(self, id) : existing(self, id), 0};
  if (auto e = coordinator_precheck(*snap, id); e != 0) return {{}, e};
  return {group_for(self, id), 0};
}

bool offsets_topic_exists(manager_self self) {
  return self->state.args.cache->get()->find(offsets_topic) != nullptr;
}

/// Creates `__consumer_offsets` through the topic manager (Kafka creates it on
/// the first FindCoordinator too); every waiter learns when it exists.
void ensure_offsets_topic(manager_self self, caf::response_promise rp) {
  auto& st = self->state;
  if (offsets_topic_exists(self)) return rp.deliver(true), void();
  st.waiting_for_topic.push_back(rp);
  if (st.creating_topic) return;
  st.creating_topic = true;
  msg::create_topics_request req;
  auto& t = req.topics.emplace_back();
  t.name = offsets_topic;
  t.num_partitions = st.args.offsets_partitions;
  t.replication_factor =
      offsets_replication_factor(*st.args.cache->get(), st.args.offsets_topic_replication);
  auto& c = t.configs.emplace_back();
  c.name = "cleanup.policy";
  c.value = "compact";
  req.timeout_ms = 30000;
  auto done = [=] {
    auto& s = self->state;
    s.creating_topic = false;
    bool ok = offsets_topic_exists(self);
    for (auto& w : s.waiting_for_topic) w.deliver(ok);
    s.waiting_for_topic.clear();
  };
  self->request(st.args.topic_manager, caf::infinite, create_atom::value, std::move(req),
                int16_t{5})
      .then(
          [=](msg::create_topics_response& r) {
            for (auto& res : r.topics)
              if (res.error_code != 0 && res.error_code != 36)
                spdlog::error(
                    "cannot create {}: {}", offsets_topic,
                    res.error_message.value_or("error " + std::to_string(res.error_code)));
            done();
          },
          [=](caf::error&) { done(); });
}

/// ListGroups: asks every group actor for its row and answers once all did.
void list_groups(manager_self self, caf::typed_response_promise<std::vector<listed_group>> rp) {
  auto& groups = self->state.groups;
  if (groups.empty()) return rp.deliver(std::vector<listed_group>{}), void();
  struct collect {
    std::vector<listed_group> rows;
    size_t remaining = 0;
  };
  auto c = std::make_shared<collect>();
  c->remaining = groups.size();
  for (auto& [id, g] : groups) {
    auto arrive = [c, rp]() mutable {
      if (--c->remaining == 0) rp.deliver(std::move(c->rows));
    };
    self->request(g, caf::infinite, glist_atom::value)
        .then(
            [c, arrive](listed_group& row) mutable {
              if (row.state != "Dead") c->rows.push_back(std::move(row));
              arrive();
            },
            [arrive](caf::error&) mutable { arrive(); });
  }
}

void load_groups(manager_self self) {
  auto groups = self->state.args.meta->list_offset_groups();
  if (!groups) {
    spdlog::error("cannot list consumer groups: {}", groups.error().message);
    return;
  }
  for (auto& g : *groups) group_for(self, g);
}

caf::behavior manager_behavior(manager_self self, group_coordinator_args args) {
  self->state.args = std::move(args);
  // The node stops the topic manager last; the groups go with it.
  self->monitor(self->state.args.topic_manager);
  self->set_down_handler([=](caf::down_msg&) {
    spdlog::debug("group coordinator stops with the topic manager");
    self->quit(caf::exit_reason::user_shutdown);
  });
  load_groups(self);
  return {
      [=](gready_atom) {
        auto rp = self->make_response_promise();
        ensure_offsets_topic(self, rp);
        return rp;
      },
      [=](gjoin_atom a, msg::join_group_request& req, int16_t v,
          client_info& c) -> caf::result<caf::message> {
        auto r = route_for(self, req.group_id, true);
        if (!r.actor) return caf::make_message(join_refused(req, v, r.error));
        return self->delegate(r.actor, a, std::move(req), v, std::move(c));
      },
      [=](gsync_atom a, msg::sync_group_request& req, int16_t v) -> caf::result<caf::message> {
        auto r = route_for(self, req.group_id, false);
        if (!r.actor)
          return caf::make_message(
              sync_refused(r.error ? r.error : group_error::unknown_member_id));
        return self->delegate(r.actor, a, std::move(req), v);
      },
      [=](gbeat_atom a, msg::heartbeat_request& req) -> caf::result<caf::message> {
        auto r = route_for(self, req.group_id, false);
        if (!r.actor) return caf::make_message(r.error ? r.error : group_error::unknown_member_id);
        return self->delegate(r.actor, a, std::move(req));
      },
      [=](gleave_atom a, msg::leave_group_request& req, int16_t v) -> caf::result<caf::message> {
        auto r = route_for(self, req.group_id, false);
        if (r.actor) return self->delegate(r.actor, a, std::move(req), v);
        if (r.error) return caf::make_message(leave_refused(req, r.error));
        auto resp = leave_refused(req, group_error::unknown_member_id);
        if (v >= 3) resp.error_code = 0; // per-member errors only
        return caf::make_message(std::move(resp));
      },
      [=](gcommit_atom a, msg::offset_commit_request& req, int16_t v) -> caf::result<caf::message> {
        auto r = route_for(self, req.group_id, true);
        if (!r.actor) return caf::make_message(commit_refused(req, r.error));
        return self->delegate(r.actor, a, std::move(req), v);
      },
      [=](gfetch_atom a, offset_fetch_query& q) -> caf::result<caf::message> {
        auto r = route_for(self, q.group_id, false);
        if (r.actor) return self->delegate(r.actor, a, std::move(q));
        if (r.error) return caf::make_message(fetch_refused(q, r.error));
        return caf::make_message(fetch_offsets({}, q));
      },
      [=](goffdel_atom a, msg::offset_delete_request& req) -> caf::result<caf::message> {
        auto r = route_for(self, req.group_id, false);
        if (r.actor) return self->delegate(r.actor, a, std::move(req));
        return caf::make_message(
            offdel_refused(r.error ? r.error : group_error::group_id_not_found));
      },
      [=](gdescribe_atom a, std::string& id) -> caf::result<caf::message> {
        auto r = route_for(self, id, false);
        if (r.actor) return self->delegate(r.actor, a, std::move(id));
        if (r.error) return caf::make_message(describe_refused(id, r.error));
        msg::describe_groups_response::described_group d;
        d.group_id = id;
        d.group_state = "Dead";
        return caf::make_message(std::move(d));
      },
      [=](glist_atom) {
        auto rp = self->make_response_promise<std::vector<listed_group>>();
        list_groups(self, rp);
        return rp;
      },
      [=](gdelete_atom a, std::string& id) -> caf::result<int16_t> {
        auto route = route_for(self, id, false);
        if (route.error) return route.error;
        auto g = route.actor;
        if (!g) return group_error::group_id_not_found;
        auto rp = self->make_response_promise<int16_t>();
        self->request(g, caf::infinite, a, id)
            .then(
                [=](int16_t e) mutable {
                  if (e == group_error::none) {
                    self->state.groups.erase(id);
                    self->unlink_from(g);
                    caf::anon_send_exit(g, caf::exit_reason::user_shutdown);
                  }
                  rp.deliver(e);
                },
                [=](caf::error&) mutable { rp.deliver(group_error::coordinator_not_available); });
        return rp;
      },
  };
}

} // namespace

caf::actor spawn_group_coordinator(caf::actor_system& sys, group_coordinator_args args) {
  return sys.spawn(manager_behavior, std::move(args));
}

namespace {

bool read_int(const std::map<std::string, std::string>& props, const std::string& key, int64_t min,
              int64_t max, int32_t& out, std::string& error) {
  auto it = props.find(key);
  if (it == props.end()) return true;
  try {
    size_t used = 0;
    auto v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= min && v <= max) {
      out = static_cast<int32_t>(v);
      return true;
    }
  } catch (const std::exception&) {
  }
  error = key + " must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
          "], got '" + it->second + "'";
  return false;
}

/// offsets.topic.replication.factor (an int16 in the protocol).
bool read_replication(const std::map<std::string, std::string>& props, group_coordinator_args& args,
                      std::string& error) {
  int32_t rf = args.offsets_topic_replication;
  if (!read_int(props, "offsets.topic.replication.factor", 1, INT16_MAX, rf, error)) return false;
  args.offsets_topic_replication = static_cast<int16_t>(rf);
  return true;
}

} // namespace

bool read_group_configs(const std::map<std::string, std::string>& properties,
                        group_coordinator_args& args, std::string& error) {
  auto& s = args.settings;
  constexpr int64_t i32_max = INT32_MAX;
  return read_int(properties, "group.initial.rebalance.delay.ms", 0, i32_max,
                  s.initial_rebalance_delay_ms, error) &&
         read_int(properties, "group.min.session.timeout.ms", 1, i32_max, s.min_session_timeout_ms,
                  error) &&
         read_int(properties, "group.max.session.timeout.ms", 1, i32_max, s.max_session_timeout_ms,
                  error) &&
         read_int(properties, "offsets.topic.num.partitions", 1, 100000, args.offsets_partitions,
                  error) &&
         read_replication(properties, args, error);
}

} // namespace caudal::actors
