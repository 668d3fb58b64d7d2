// Consumer groups in cluster mode without a cluster: the coordinator choice
// from a metadata snapshot, the replay of an offsets log, and the group
// coordinator actors against a scripted replica of `__consumer_offsets`
// (leader or not, epochs, a lagging high watermark, failed appends).
#define BOOST_TEST_MODULE actors_group_cluster
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/atoms.h"
#include "actors/group_actor.h"
#include "actors/group_coordinator.h"
#include "actors/group_messages.h"
#include "actors/group_offsets.h"
#include "actors/partition_messages.h"
#include "protocol/messages/all.h"
#include "protocol/record_builder.h"

using namespace caudal;
using namespace caudal::actors;
namespace msg = protocol::msg;

namespace {

using entries =
    std::vector<std::pair<storage::group_offset_key, std::optional<storage::committed_offset>>>;

storage::committed_offset at(int64_t offset) {
  storage::committed_offset v;
  v.offset = offset;
  v.leader_epoch = 1;
  v.metadata = "m";
  v.commit_time_ms = 1000;
  return v;
}

/// One offsets batch placed at `base` (what the leader would assign).
protocol::byte_buffer batch_at(int64_t base, const entries& e) {
  auto b = build_offsets_batch(e, 1000);
  protocol::set_base_offset(b, base);
  return b;
}

protocol::byte_buffer control_batch_at(int64_t base) {
  protocol::batch_builder b;
  std::vector<uint8_t> key{0, 0, 0, 2}; // a leader-change marker's key (version 0, type 2)
  b.control(true).add(1000, std::span<const uint8_t>{key}, std::nullopt);
  auto out = b.build();
  protocol::set_base_offset(out, base);
  return out;
}

void append_to(protocol::byte_buffer& set, const protocol::byte_buffer& batch) {
  set.insert(set.end(), batch.begin(), batch.end());
}

storage::group_offset_key key(const std::string& g, const std::string& t, int32_t p) {
  return {g, t, p};
}

std::shared_ptr<const metadata_snapshot> cluster_snapshot(bool with_offsets_topic,
                                                          caf::actor replica, int32_t leader) {
  auto s = std::make_shared<metadata_snapshot>();
  s->brokers = {
      {1, "h1", 9091, std::nullopt}, {2, "h2", 9092, std::nullopt}, {3, "h3", 9093, std::nullopt}};
  s->controller_id = 1;
  auto data = std::make_shared<topic_entry>();
  data->name = "orders";
  data->partitions.resize(3);
  data->views.resize(3);
  s->topics["orders"] = data;
  if (with_offsets_topic) {
    auto t = std::make_shared<topic_entry>();
    t->name = offsets_topic;
    t->internal = true;
    t->partitions = {replica};
    t->views.push_back({leader, 4, {1, 2, 3}, {1, 2, 3}});
    s->topics[offsets_topic] = t;
  }
  return s;
}

} // namespace

// ---------------------------------------------------------------- pure logic

BOOST_AUTO_TEST_CASE(single_node_coordinates_every_group) {
  metadata_snapshot snap; // no brokers: single-node mode
  coordinator_location self{0, 7, "me", 9000};
  auto where = locate_coordinator(snap, "g", self);
  BOOST_CHECK_EQUAL(where.error, 0);
  BOOST_CHECK_EQUAL(where.node_id, 7);
  BOOST_CHECK_EQUAL(where.host, "me");
  BOOST_CHECK_EQUAL(coordinator_precheck(snap, "g"), 0);
  BOOST_CHECK_EQUAL(offsets_replication_factor(snap, 3), 1);
}

BOOST_AUTO_TEST_CASE(cluster_coordinator_is_the_offsets_partition_leader) {
  coordinator_location self{0, 1, "h1", 9091};
  auto snap = cluster_snapshot(true, caf::actor{}, 2);
  auto where = locate_coordinator(*snap, "g", self);
  BOOST_CHECK_EQUAL(where.error, 0);
  BOOST_CHECK_EQUAL(where.node_id, 2);
  BOOST_CHECK_EQUAL(where.host, "h2");
  BOOST_CHECK_EQUAL(where.port, 9092);
  // No leader, a leader missing from the brokers, no offsets topic: retriable 15.
  BOOST_CHECK_EQUAL(locate_coordinator(*cluster_snapshot(true, {}, -1), "g", self).error, 15);
  BOOST_CHECK_EQUAL(locate_coordinator(*cluster_snapshot(true, {}, 9), "g", self).error, 15);
  auto none = locate_coordinator(*cluster_snapshot(false, {}, 2), "g", self);
  BOOST_CHECK_EQUAL(none.error, 15);
  BOOST_CHECK_EQUAL(none.node_id, -1);
}

BOOST_AUTO_TEST_CASE(cluster_coordinator_follows_the_group_hash) {
  // With 3 offsets partitions led by 1, 2, 3 each group goes to its own partition's leader.
  auto s = std::make_shared<metadata_snapshot>(*cluster_snapshot(true, {}, 1));
  auto t = std::make_shared<topic_entry>(*s->find(offsets_topic));
  t->partitions.resize(3);
  t->views = {{1, 0, {}, {}}, {2, 0, {}, {}}, {3, 0, {}, {}}};
  s->topics[offsets_topic] = t;
  for (std::string g : {"a", "orders-app", "g-17", "x"}) {
    auto where = locate_coordinator(*s, g, {});
    BOOST_CHECK_EQUAL(where.node_id, offsets_partition_for(g, 3) + 1);
  }
}

BOOST_AUTO_TEST_CASE(precheck_and_replication_factor_in_a_cluster) {
  BOOST_CHECK_EQUAL(coordinator_precheck(*cluster_snapshot(false, {}, 2), "g"), 15);
  BOOST_CHECK_EQUAL(coordinator_precheck(*cluster_snapshot(true, {}, 2), "g"), 16);
  auto snap = cluster_snapshot(true, {}, 2);
  BOOST_CHECK_EQUAL(offsets_replication_factor(*snap, 3), 3);
  BOOST_CHECK_EQUAL(offsets_replication_factor(*snap, 5), 3); // capped by 3 brokers
  BOOST_CHECK_EQUAL(offsets_replication_factor(*snap, 2), 2);
  auto two = std::make_shared<metadata_snapshot>(*snap);
  two->brokers.pop_back();
  BOOST_CHECK_EQUAL(offsets_replication_factor(*two, 3), 2);
}

BOOST_AUTO_TEST_CASE(replay_applies_commits_and_tombstones_in_log_order) {
  protocol::byte_buffer log;
  append_to(log,
            batch_at(0, {{key("g", "orders", 0), at(5)}, {key("other", "orders", 0), at(99)}}));
  append_to(log, control_batch_at(2));
  append_to(log, batch_at(3, {{key("g", "orders", 1), at(3)}, {key("g", "orders", 0), at(7)}}));
  append_to(log, batch_at(5, {{key("g", "orders", 1), std::nullopt}}));
  append_to(log, batch_at(6, {{key("g", "pays", 2), at(1)}}));
  offsets_map offsets;
  int64_t next = 0;
  BOOST_CHECK(replay_offsets(log, "g", next, offsets) == protocol::batch_error::none);
  BOOST_CHECK_EQUAL(next, 7);
  BOOST_REQUIRE_EQUAL(offsets.size(), 2u);
  BOOST_CHECK_EQUAL((offsets.at({"orders", 0}).offset), 7);
  BOOST_CHECK_EQUAL((offsets.at({"orders", 0}).metadata), "m");
  BOOST_CHECK_EQUAL((offsets.at({"pays", 2}).offset), 1);
  BOOST_CHECK(!offsets.count({"orders", 1})); // deleted by the tombstone
  // Another group sees only its own record.
  offsets_map other;
  int64_t other_next = 0;
  replay_offsets(log, "other", other_next, other);
  BOOST_REQUIRE_EQUAL(other.size(), 1u);
  BOOST_CHECK_EQUAL((other.at({"orders", 0}).offset), 99);
}

BOOST_AUTO_TEST_CASE(replay_skips_what_was_applied_already) {
  protocol::byte_buffer log;
  append_to(log, batch_at(0, {{key("g", "orders", 0), at(5)}}));
  append_to(log, batch_at(1, {{key("g", "orders", 0), at(8)}}));
  offsets_map offsets;
  offsets[{"orders", 0}] = at(42); // applied from a later record already
  int64_t next = 2;
  replay_offsets(log, "g", next, offsets);
  BOOST_CHECK_EQUAL((offsets.at({"orders", 0}).offset), 42);
  BOOST_CHECK_EQUAL(next, 2);
  next = 1;
  replay_offsets(log, "g", next, offsets);
  BOOST_CHECK_EQUAL((offsets.at({"orders", 0}).offset), 8);
  BOOST_CHECK_EQUAL(next, 2);
}

BOOST_AUTO_TEST_CASE(replay_stops_at_a_corrupt_or_partial_batch) {
  protocol::byte_buffer log;
  append_to(log, batch_at(0, {{key("g", "orders", 0), at(5)}}));
  auto second = batch_at(1, {{key("g", "orders", 0), at(6)}});
  second.back() ^= 0xff; // CRC no longer matches
  append_to(log, second);
  offsets_map offsets;
  int64_t next = 0;
  BOOST_CHECK(replay_offsets(log, "g", next, offsets) == protocol::batch_error::crc_mismatch);
  BOOST_CHECK_EQUAL(next, 1);
  BOOST_CHECK_EQUAL((offsets.at({"orders", 0}).offset), 5);

  protocol::byte_buffer cut;
  append_to(cut, batch_at(0, {{key("g", "orders", 0), at(5)}}));
  auto third = batch_at(1, {{key("g", "orders", 0), at(6)}});
  cut.insert(cut.end(), third.begin(), third.begin() + 20);
  offsets_map o2;
  int64_t n2 = 0;
  BOOST_CHECK(replay_offsets(cut, "g", n2, o2) != protocol::batch_error::none);
  BOOST_CHECK_EQUAL((o2.at({"orders", 0}).offset), 5);
}

// ------------------------------------------- coordinator against a replica

namespace {

/// What the scripted replica of `__consumer_offsets/0` holds; the test thread
/// changes it between requests.
struct fake_log {
  std::mutex mutex;
  std::vector<protocol::byte_buffer> batches; // base offsets assigned
  int64_t end = 0;
  int64_t hw = 0;
  bool leader = true;
  int32_t epoch = 4;
  int16_t append_error = 0;
  int16_t last_acks = 0;
  size_t reads = 0;

  void add(const entries& e) {
    std::lock_guard g{mutex};
    auto b = batch_at(end, e);
    end += static_cast<int64_t>(e.size());
    batches.push_back(std::move(b));
    hw = end;
  }
};

/// A partition actor's read/wait/status/append for the group actors, one
/// batch per read so that loading takes several steps.
caf::behavior fake_replica(caf::event_based_actor* self, std::shared_ptr<fake_log> log) {
  auto waiting = std::make_shared<std::vector<caf::response_promise>>();
  return {
      [=](status_atom) {
        std::lock_guard g{log->mutex};
        partition_status s;
        s.log_end_offset = log->end;
        s.high_watermark = log->hw;
        s.leader = log->leader;
        s.leader_epoch = log->epoch;
        return s;
      },
      [=](read_atom, const read_request& req) {
        std::lock_guard g{log->mutex};
        ++log->reads;
        read_reply r;
        r.high_watermark = log->hw;
        r.log_start_offset = 0;
        if (!log->leader) r.error = 6;
        for (auto& b : log->batches) {
          auto h = protocol::read_batch_header(b);
          if (r.error == 0 && h->base_offset >= req.offset && h->last_offset() < log->hw) {
            r.records = b;
            break;
          }
        }
        return r;
      },
      [=](wait_atom, int64_t, int64_t) -> caf::result<bool> {
        // Answered a little later, as a parked wait at the leader would be.
        waiting->push_back(self->make_response_promise<bool>());
        self->delayed_send(self, std::chrono::milliseconds{5}, wait_atom::value);
        return caf::delegated<bool>{};
      },
      [=](wait_atom) {
        for (auto& rp : *waiting) rp.deliver(true);
        waiting->clear();
      },
      [=](append_atom, append_request& req) {
        std::lock_guard g{log->mutex};
        append_reply r;
        log->last_acks = req.acks;
        if (log->append_error != 0) {
          r.error = log->append_error;
          return r;
        }
        auto h = protocol::read_batch_header(req.records);
        protocol::set_base_offset(req.records, log->end);
        r.base_offset = log->end;
        log->end += h->records_count;
        log->hw = log->end;
        log->batches.push_back(std::move(req.records));
        return r;
      },
  };
}

struct cluster_group_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::string dir;
  std::unique_ptr<storage::metastore> meta;
  std::shared_ptr<metadata_cache> cache = std::make_shared<metadata_cache>();
  std::shared_ptr<fake_log> log = std::make_shared<fake_log>();
  caf::actor topic_manager, replica, coordinator;

  cluster_group_fixture() {
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    std::string tmpl = (std::filesystem::temp_directory_path() / "caudal-grp-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    meta = std::move(*storage::metastore::open(dir + "/__meta"));
    sys = std::make_unique<caf::actor_system>(cfg);
    // The coordinator only monitors the topic manager (it stops with it).
    topic_manager = sys->spawn([]() -> caf::behavior { return {[](int32_t) {}}; });
    replica = sys->spawn(fake_replica, log);
  }
  ~cluster_group_fixture() {
    caf::anon_send_exit(topic_manager, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(replica, caf::exit_reason::user_shutdown);
    sys.reset();
    meta.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  void start(caf::actor local_replica, int32_t leader = 1, bool with_topic = true) {
    cache->publish(cluster_snapshot(with_topic, local_replica, leader));
    group_coordinator_args a;
    a.meta = meta.get();
    a.cache = cache;
    a.topic_manager = topic_manager;
    a.seed = 3;
    a.settings.initial_rebalance_delay_ms = 0;
    coordinator = spawn_group_coordinator(*sys, a);
  }

  template <class Answer, class... Ts>
  Answer ask(Ts&&... xs) {
    caf::scoped_actor self{*sys};
    Answer out{};
    self->request(coordinator, std::chrono::seconds{10}, std::forward<Ts>(xs)...)
        .receive([&](Answer& a) { out = std::move(a); },
                 [&](caf::error& e) { BOOST_FAIL("no answer: " << sys->render(e)); });
    return out;
  }

  msg::offset_fetch_response::offset_fetch_response_group fetch(const std::string& group) {
    offset_fetch_query q;
    q.group_id = group;
    return ask<msg::offset_fetch_response::offset_fetch_response_group>(gfetch_atom::value, q);
  }

  /// Fetches until the coordinator stops answering COORDINATOR_LOAD_IN_PROGRESS.
  msg::offset_fetch_response::offset_fetch_response_group fetch_loaded(const std::string& group) {
    for (int i = 0; i < 400; ++i) {
      auto r = fetch(group);
      if (r.error_code != group_error::coordinator_load_in_progress) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    BOOST_FAIL("still loading");
    return {};
  }

  int16_t commit(const std::string& group, int32_t partition, int64_t offset) {
    msg::offset_commit_request req;
    req.group_id = group;
    req.generation_id_or_member_epoch = -1; // standalone commit
    auto& t = req.topics.emplace_back();
    t.name = "orders";
    auto& p = t.partitions.emplace_back();
    p.partition_index = partition;
    p.committed_offset = offset;
    auto r = ask<msg::offset_commit_response>(gcommit_atom::value, req, int16_t{8});
    return r.topics.at(0).partitions.at(0).error_code;
  }
};

int64_t committed(const msg::offset_fetch_response::offset_fetch_response_group& g,
                  const std::string& topic, int32_t partition) {
  for (auto& t : g.topics)
    for (auto& p : t.partitions)
      if (t.name == topic && p.partition_index == partition) return p.committed_offset;
  return -1;
}

msg::join_group_request join_req(const std::string& group) {
  msg::join_group_request r;
  r.group_id = group;
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 10000;
  r.protocol_type = "consumer";
  r.protocols.emplace_back().name = "range";
  return r;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(coordinator_in_a_cluster, cluster_group_fixture)

BOOST_AUTO_TEST_CASE(no_local_replica_means_not_coordinator) {
  start(caf::actor{}, 2);
  BOOST_CHECK_EQUAL(commit("g", 0, 5), group_error::not_coordinator);
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::not_coordinator);
  auto joined = ask<msg::join_group_response>(gjoin_atom::value, join_req("g"), int16_t{9},
                                              client_info{"c", ""});
  BOOST_CHECK_EQUAL(joined.error_code, group_error::not_coordinator);
  msg::heartbeat_request hb;
  hb.group_id = "g";
  BOOST_CHECK_EQUAL(ask<int16_t>(gbeat_atom::value, hb), group_error::not_coordinator);
  msg::sync_group_request sync;
  sync.group_id = "g";
  auto synced = ask<msg::sync_group_response>(gsync_atom::value, sync, int16_t{5});
  BOOST_CHECK_EQUAL(synced.error_code, group_error::not_coordinator);
}

BOOST_AUTO_TEST_CASE(no_offsets_topic_yet_means_coordinator_not_available) {
  start(caf::actor{}, -1, false);
  BOOST_CHECK_EQUAL(commit("g", 0, 5), group_error::coordinator_not_available);
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::coordinator_not_available);
}

BOOST_AUTO_TEST_CASE(a_follower_replica_refuses_with_not_coordinator) {
  log->leader = false;
  start(replica, 2);
  BOOST_CHECK_EQUAL(commit("g", 0, 5), group_error::not_coordinator);
  auto joined = ask<msg::join_group_response>(gjoin_atom::value, join_req("g"), int16_t{9},
                                              client_info{"c", ""});
  BOOST_CHECK_EQUAL(joined.error_code, group_error::not_coordinator);
}

BOOST_AUTO_TEST_CASE(a_new_coordinator_replays_the_log_not_its_stale_lmdb) {
  // Stale local copy: this node coordinated the group long ago.
  BOOST_REQUIRE(
      meta->put_offsets({{key("g", "orders", 0), at(2)}, {key("g", "orders", 2), at(9)}}));
  log->add({{key("g", "orders", 0), at(5)}, {key("other", "orders", 0), at(50)}});
  log->add({{key("g", "orders", 1), at(3)}});
  log->add({{key("g", "orders", 0), at(7)}});
  log->add({{key("g", "orders", 1), std::nullopt}});
  log->add({{key("g", "orders", 2), std::nullopt}});
  start(replica);
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::coordinator_load_in_progress);
  auto g = fetch_loaded("g");
  BOOST_CHECK_EQUAL(g.error_code, 0);
  BOOST_CHECK_EQUAL(committed(g, "orders", 0), 7);
  BOOST_CHECK_EQUAL(committed(g, "orders", 1), -1);
  BOOST_CHECK_EQUAL(committed(g, "orders", 2), -1);
  BOOST_CHECK_EQUAL(g.topics.size(), 1u);
  // The LMDB cache now matches the log.
  auto stored = meta->list_offsets("g");
  BOOST_REQUIRE(stored);
  BOOST_REQUIRE_EQUAL(stored->size(), 1u);
  BOOST_CHECK_EQUAL(stored->at(0).second.offset, 7);
  BOOST_CHECK_EQUAL(committed(fetch_loaded("other"), "orders", 0), 50);
}

BOOST_AUTO_TEST_CASE(loading_waits_for_the_high_watermark_to_pass_the_log_end) {
  log->add({{key("g", "orders", 0), at(5)}});
  log->add({{key("g", "orders", 0), at(6)}});
  log->hw = 1; // the new leader's marker is not committed yet
  start(replica);
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::coordinator_load_in_progress);
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::coordinator_load_in_progress);
  {
    std::lock_guard g{log->mutex};
    log->hw = log->end;
  }
  BOOST_CHECK_EQUAL(committed(fetch_loaded("g"), "orders", 0), 6);
}

BOOST_AUTO_TEST_CASE(commits_are_replicated_and_a_lost_leadership_refuses_them) {
  start(replica);
  fetch_loaded("g");
  BOOST_CHECK_EQUAL(commit("g", 0, 11), 0);
  BOOST_CHECK_EQUAL(log->last_acks, -1); // answered at the quorum commit
  BOOST_CHECK_EQUAL(committed(fetch("g"), "orders", 0), 11);
  BOOST_CHECK_EQUAL(log->batches.size(), 1u);
  {
    std::lock_guard g{log->mutex};
    log->append_error = 6; // leadership lost while appending
  }
  BOOST_CHECK_EQUAL(commit("g", 0, 12), group_error::not_coordinator);
  {
    std::lock_guard g{log->mutex};
    log->append_error = 7;
  }
  BOOST_CHECK_EQUAL(commit("g", 0, 12), group_error::coordinator_load_in_progress);
  fetch_loaded("g");
  BOOST_CHECK_EQUAL(commit("g", 0, 12), group_error::request_timed_out);
}

BOOST_AUTO_TEST_CASE(a_new_epoch_reloads_commits_made_on_another_node) {
  start(replica);
  fetch_loaded("g");
  BOOST_CHECK_EQUAL(commit("g", 0, 11), 0);
  {
    std::lock_guard g{log->mutex};
    log->leader = false; // another node leads epoch 5 and takes a commit
  }
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::not_coordinator);
  log->add({{key("g", "orders", 0), at(20)}});
  {
    std::lock_guard g{log->mutex};
    log->leader = true; // ... and this node leads again at epoch 6
    log->epoch = 6;
  }
  BOOST_CHECK_EQUAL(fetch("g").error_code, group_error::coordinator_load_in_progress);
  BOOST_CHECK_EQUAL(committed(fetch_loaded("g"), "orders", 0), 20);
}

BOOST_AUTO_TEST_CASE(offset_deletes_are_answered_once_replicated) {
  start(replica);
  fetch_loaded("g");
  BOOST_REQUIRE_EQUAL(commit("g", 0, 11), 0);
  BOOST_REQUIRE_EQUAL(commit("g", 1, 4), 0);
  auto del = [&](int32_t partition) {
    msg::offset_delete_request req;
    req.group_id = "g";
    auto& t = req.topics.emplace_back();
    t.name = "orders";
    t.partitions.emplace_back().partition_index = partition;
    return ask<msg::offset_delete_response>(goffdel_atom::value, req);
  };
  {
    std::lock_guard g{log->mutex};
    log->append_error = 7; // not replicated in time
  }
  BOOST_CHECK_EQUAL(del(0).error_code, group_error::request_timed_out);
  {
    std::lock_guard g{log->mutex};
    log->append_error = 0;
  }
  BOOST_CHECK_EQUAL(del(1).error_code, 0);
  BOOST_CHECK_EQUAL(log->last_acks, -1);
  {
    std::lock_guard g{log->mutex};
    log->epoch = 5; // the next coordinator sees the replicated tombstone only
  }
  auto g = fetch_loaded("g");
  BOOST_CHECK_EQUAL(committed(g, "orders", 0), 11);
  BOOST_CHECK_EQUAL(committed(g, "orders", 1), -1);
}

BOOST_AUTO_TEST_CASE(membership_does_not_survive_a_move) {
  start(replica);
  fetch_loaded("g");
  auto first = ask<msg::join_group_response>(gjoin_atom::value, join_req("g"), int16_t{9},
                                             client_info{"c", ""});
  BOOST_REQUIRE_EQUAL(first.error_code, group_error::member_id_required);
  auto req = join_req("g");
  req.member_id = first.member_id;
  auto joined =
      ask<msg::join_group_response>(gjoin_atom::value, req, int16_t{9}, client_info{"c", ""});
  BOOST_REQUIRE_EQUAL(joined.error_code, 0);
  {
    std::lock_guard g{log->mutex};
    log->epoch = 7; // lost and regained in between: another node may have run the group
  }
  msg::heartbeat_request hb;
  hb.group_id = "g";
  hb.member_id = first.member_id;
  hb.generation_id = joined.generation_id;
  BOOST_CHECK_EQUAL(ask<int16_t>(gbeat_atom::value, hb), group_error::coordinator_load_in_progress);
  for (int i = 0; i < 400 && fetch("g").error_code != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  BOOST_CHECK_EQUAL(ask<int16_t>(gbeat_atom::value, hb), group_error::unknown_member_id);
}

BOOST_AUTO_TEST_SUITE_END()
