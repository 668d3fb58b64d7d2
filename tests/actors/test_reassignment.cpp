// Partition reassignment end to end on four nodes (controllers, cluster topic
// managers, replicated partition actors) over the simulated network on the
// virtual clock: a replica moves to the node that holds none of the
// partition while a producer writes with acks=all; afterwards every
// acknowledged record is on the new replica and the old replica is gone.
#define BOOST_TEST_MODULE reassignment
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <set>

#include "actors/admin_messages.h"
#include "actors/atoms.h"
#include "actors/cluster_topic_manager.h"
#include "actors/partition_messages.h"
#include "managed_cluster.h"
#include "protocol/record_batch.h"
#include "protocol/record_builder.h"
#include "storage/partition_log.h"

using namespace caudal;
using namespace caudal::actors;
namespace msg = caudal::protocol::msg;

namespace {

constexpr int16_t not_leader = 6, timed_out = 7, not_enough_replicas = 19;

struct four_nodes : testing::managed_cluster {
  four_nodes() : managed_cluster(4, testing::manager_options{91, 1, {}}) {}

  const topic_entry* topic(int32_t id) { return caches[id]->get()->find("moves"); }

  /// The partition as node `id` sees it (leader, replicas, ISR).
  partition_view view(int32_t id) {
    auto* t = topic(id);
    return t && !t->views.empty() ? t->views[0] : partition_view{};
  }

  void create_topic() {
    msg::create_topics_request req;
    msg::create_topics_request::creatable_topic t;
    t.name = "moves";
    t.num_partitions = 1;
    t.replication_factor = 3;
    msg::create_topics_request::creatable_topic_config c;
    c.name = "min.insync.replicas";
    c.value = "2";
    t.configs.push_back(c);
    req.topics.push_back(t);
    auto out = ask<msg::create_topics_response>(ids[0], create_atom::value, req, int16_t{7});
    BOOST_REQUIRE_EQUAL(out.topics.at(0).error_code, 0);
  }

  /// One acks=all produce at the leader node 1 believes in; nullopt when
  /// there is none or it gave no answer.
  std::optional<append_reply> produce(const std::string& value) {
    auto v = view(1);
    if (v.leader < 0) return std::nullopt;
    auto* t = topic(v.leader);
    if (!t || t->partitions.empty() || !t->partitions[0]) return std::nullopt;
    auto part = t->partitions[0];
    protocol::batch_builder b;
    b.add_text(1000, std::nullopt, value);
    append_request req;
    req.records = b.build();
    req.acks = -1;
    auto out = std::make_shared<std::optional<append_reply>>();
    sys.spawn([=](caf::event_based_actor* a) {
      a->request(part, caf::infinite, append_atom::value, req).then([=](append_reply& r) {
        *out = std::move(r);
      });
    });
    if (!run_until([&] { return out->has_value(); }, 40000)) return std::nullopt;
    return **out;
  }

  /// Starts a reassignment without waiting for its answer (the producer
  /// keeps running meanwhile); `answer` receives the command result.
  void reassign_async(std::vector<int32_t> target,
                      std::shared_ptr<std::optional<command_result>> answer) {
    reassign_partitions_cmd cmd;
    cmd.items.push_back(reassignment_item{"moves", 0, std::move(target), false});
    auto ctl = controllers.at(ids[1]);
    sys.spawn([=](caf::event_based_actor* a) {
      a->request(ctl, caf::infinite, command_atom::value, controller_command{cmd})
          .then([=](command_result& r) { *answer = std::move(r); });
    });
  }
};

/// Every non-control record value in a partition directory, in offset order.
std::vector<std::string> values_in(storage::filesystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  auto log = storage::partition_log::open(fs, dir, storage::log_config{}, 0);
  BOOST_REQUIRE(log);
  int64_t offset = (*log)->log_start_offset();
  while (offset < (*log)->log_end_offset()) {
    auto r = (*log)->read(offset, 1 << 20);
    BOOST_REQUIRE(r);
    std::vector<protocol::batch_span> spans;
    BOOST_REQUIRE(protocol::split_batches(r->bytes, spans) == protocol::batch_error::none);
    BOOST_REQUIRE(!spans.empty());
    for (auto& s : spans) {
      if (s.header.last_offset() < offset) continue; // read from below the offset
      offset = s.header.last_offset() + 1;
      if (s.header.is_control()) continue;
      std::vector<protocol::record> recs;
      std::span<const uint8_t> bytes{r->bytes.data() + s.position, s.size()};
      BOOST_REQUIRE(protocol::decode_records(bytes, recs) == protocol::batch_error::none);
      for (auto& rec : recs)
        out.emplace_back(rec.value ? std::string(rec.value->begin(), rec.value->end()) : "");
    }
  }
  return out;
}

bool has(const std::vector<int32_t>& v, int32_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

BOOST_FIXTURE_TEST_CASE(leader_replica_moves_to_the_fourth_node_under_acks_all, four_nodes) {
  await_stable_cluster();
  create_topic();
  BOOST_REQUIRE(run_until([&] {
    auto v = view(1);
    return v.leader > 0 && v.isr.size() == 3 && topic(v.leader) && topic(v.leader)->partitions[0];
  }));
  auto before = view(1);
  int32_t fresh = -1;
  for (auto id : ids)
    if (!has(before.replicas, id)) fresh = id;
  BOOST_REQUIRE(fresh > 0);
  // The leader leaves: the hardest case (leadership must move first).
  int32_t leaving = before.leader;
  std::vector<int32_t> target;
  for (auto r : before.replicas)
    if (r != leaving) target.push_back(r);
  target.push_back(fresh);

  std::vector<std::string> acked;
  std::set<int16_t> errors;
  int i = 0;
  auto produce_one = [&] {
    auto value = "v" + std::to_string(i++);
    auto r = produce(value);
    if (!r) {
      run_for(50);
      return;
    }
    if (r->error == 0)
      acked.push_back(value);
    else
      errors.insert(r->error), run_for(50);
  };
  for (int k = 0; k < 20; ++k) produce_one();
  auto answer = std::make_shared<std::optional<command_result>>();
  reassign_async(target, answer);
  // Produce until every node's image shows the move completed.
  auto done = [&] {
    for (auto id : ids) {
      auto v = view(id);
      if (v.replicas != target || v.leader < 0 || v.isr.size() != 3) return false;
    }
    return answer->has_value();
  };
  for (int k = 0; k < 400 && !done(); ++k) produce_one();
  BOOST_REQUIRE(answer->has_value());
  BOOST_TEST((*answer)->error == 0);
  BOOST_REQUIRE_EQUAL((*answer)->items.size(), 1u);
  BOOST_TEST((*answer)->items[0].error == 0);
  if (!done())
    for (auto id : ids) {
      auto img = seen[id]->image;
      auto* t = img ? img->topic("moves") : nullptr;
      auto* ps = t ? img->partition(t->id, 0) : nullptr;
      if (!ps) continue;
      auto list = [](const std::vector<int32_t>& v) {
        std::string out;
        for (auto x : v) out += std::to_string(x) + " ";
        return out;
      };
      BOOST_TEST_MESSAGE("node " << id << ": replicas " << list(ps->replicas) << "| isr "
                                 << list(ps->isr) << "| adding " << list(ps->adding)
                                 << "| removing " << list(ps->removing) << "| leader " << ps->leader
                                 << " epoch " << ps->leader_epoch);
    }
  BOOST_REQUIRE_MESSAGE(done(), "reassignment did not complete");
  for (int k = 0; k < 20; ++k) produce_one();
  BOOST_TEST_MESSAGE("acked " << acked.size() << " of " << i << "; leader now " << view(1).leader);
  // Retriable errors only (leadership moved; ISR briefly short).
  for (auto e : errors) BOOST_TEST((e == not_leader || e == timed_out || e == not_enough_replicas));
  BOOST_TEST(acked.size() > 30u);
  BOOST_TEST(view(1).leader != leaving);

  // The old replica is gone from the leaving node.
  BOOST_TEST(run_until([&] {
    auto* t = topic(leaving);
    return t && !t->partitions[0];
  }));
  auto old_dir = storage::partition_dir(log_dir(leaving), "moves", 0);
  BOOST_TEST(!std::filesystem::exists(old_dir));

  // The new replica holds every acknowledged record, in order, once it has
  // caught up: stop its actor and read its directory.
  run_for(3000);
  auto part = topic(fresh)->partitions[0];
  BOOST_REQUIRE(part);
  caf::anon_send_exit(part, caf::exit_reason::user_shutdown);
  run_for(100);
  auto values = values_in(fs, storage::partition_dir(log_dir(fresh), "moves", 0));
  std::set<std::string> held(values.begin(), values.end());
  for (auto& a : acked) BOOST_TEST_REQUIRE(held.count(a) == 1u, "missing acknowledged " << a);
  // In acknowledgement order (a single producer waits for each answer).
  std::vector<std::string> in_order;
  for (auto& v : values)
    if (std::find(acked.begin(), acked.end(), v) != acked.end()) in_order.push_back(v);
  BOOST_TEST(in_order == acked);
}

BOOST_FIXTURE_TEST_CASE(moves_of_more_than_one_replica_are_refused, four_nodes) {
  await_stable_cluster();
  create_topic();
  BOOST_REQUIRE(run_until([&] { return view(1).leader > 0; }));
  auto v = view(1);
  int32_t fresh = -1;
  for (auto id : ids)
    if (!has(v.replicas, id)) fresh = id;
  // Two replicas out, one in: more than one voter change.
  std::vector<int32_t> target{v.replicas[0], fresh};
  auto res =
      command(ids[0], reassign_partitions_cmd{{reassignment_item{"moves", 0, target, false}}});
  BOOST_REQUIRE_EQUAL(res.items.size(), 1u);
  BOOST_TEST(res.items[0].error == 39); // INVALID_REPLICA_ASSIGNMENT
  // Unknown partition and a cancel without a pending move.
  res = command(ids[0], reassign_partitions_cmd{{reassignment_item{"moves", 5, {1, 2, 3}, false},
                                                 reassignment_item{"moves", 0, {}, true}}});
  BOOST_REQUIRE_EQUAL(res.items.size(), 2u);
  BOOST_TEST(res.items[0].error == 3);  // UNKNOWN_TOPIC_OR_PARTITION
  BOOST_TEST(res.items[1].error == 85); // NO_REASSIGNMENT_IN_PROGRESS
}

BOOST_FIXTURE_TEST_CASE(decommissioned_leader_is_drained_leadership_first, four_nodes) {
  await_stable_cluster();
  create_topic();
  BOOST_REQUIRE(run_until([&] {
    auto v = view(1);
    return v.leader > 0 && v.isr.size() == 3;
  }));
  auto before = view(1);
  int32_t drained = before.leader;
  for (int k = 0; k < 10; ++k) BOOST_REQUIRE(produce("d" + std::to_string(k)));
  auto res = command(ids[0], decommission_node_cmd{drained});
  BOOST_TEST(res.error == 0);
  // The partition leaves the node: replicas without it, a new leader, the
  // local replica dropped; acks=all produce works at the new leader.
  BOOST_TEST(run_until(
      [&] {
        for (auto id : ids) {
          auto v = view(id);
          if (has(v.replicas, drained) || v.replicas.size() != 3 || v.leader < 0 ||
              v.leader == drained)
            return false;
        }
        auto* t = topic(drained);
        return t && !t->partitions[0];
      },
      60000));
  auto r = produce("after");
  BOOST_REQUIRE(r);
  BOOST_TEST(r->error == 0);
  // The drained node is no longer listed as a broker.
  for (auto& b : caches[ids[0]]->get()->brokers) BOOST_TEST(b.id != drained);
}
