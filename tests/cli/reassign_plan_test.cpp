// The pure parts of the elasticity commands: the cluster view, rebalance plans (round by
// round until converged), preferred leader spreading, requests, results, tables, options.
#define BOOST_TEST_MODULE reassign_cli
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "cmd/cli_common.h"
#include "cmd/reassign_options.h"
#include "cmd/reassign_plan.h"

using namespace caudal::cmd;
namespace msg = caudal::protocol::msg;

namespace {

cluster_view make_view(std::vector<int32_t> brokers,
                       std::map<std::string, std::vector<std::vector<int32_t>>> topics) {
  cluster_view v;
  for (auto id : brokers)
    v.brokers.push_back({id, "127.0.0.1", 9000 + id, "rack-" + std::to_string(id)});
  for (auto& [name, sets] : topics) {
    view_topic t{name, 0, false, {}};
    for (size_t p = 0; p < sets.size(); ++p)
      t.partitions.push_back({static_cast<int32_t>(p), sets[p][0], sets[p], sets[p], 0});
    v.topics.push_back(t);
  }
  return v;
}

// Kafka-like placement of `n` partitions with 3 replicas on nodes 1..3.
std::vector<std::vector<int32_t>> three_nodes(int n) {
  std::vector<std::vector<int32_t>> out;
  for (int p = 0; p < n; ++p) out.push_back({p % 3 + 1, (p + 1) % 3 + 1, (p + 2) % 3 + 1});
  return out;
}

size_t changed(const std::vector<int32_t>& from, const std::vector<int32_t>& to) {
  return static_cast<size_t>(std::count_if(to.begin(), to.end(), [&](int32_t x) {
    return std::find(from.begin(), from.end(), x) == from.end();
  }));
}

// Applies each round's moves as if they completed; returns the number of rounds.
int converge(cluster_view& v, const std::set<std::string>& topics = {}) {
  for (int round = 1; round <= 10; ++round) {
    auto plan = plan_rebalance(v, topics);
    BOOST_REQUIRE(plan.error.empty());
    if (plan.moves.empty()) return round - 1;
    for (const auto& m : plan.moves) {
      BOOST_TEST(changed(m.from, m.to) <= 1u); // the controller's one-change rule
      auto& p = const_cast<view_topic*>(v.topic(m.topic))->partitions[m.partition];
      BOOST_TEST(p.replicas == m.from);
      p.replicas = p.isr = m.to;
      p.leader = m.to[0];
    }
  }
  BOOST_FAIL("rebalance did not converge in 10 rounds");
  return -1;
}

std::map<int32_t, int> replica_counts(const cluster_view& v, const std::string& topic) {
  std::map<int32_t, int> out;
  for (const auto& p : v.topic(topic)->partitions)
    for (auto r : p.replicas) ++out[r];
  return out;
}

std::map<int32_t, int> leader_counts(const cluster_view& v, const std::string& topic) {
  std::map<int32_t, int> out;
  for (const auto& p : v.topic(topic)->partitions) ++out[p.replicas[0]];
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(view_from_metadata_sorts_and_keeps_racks) {
  msg::metadata_response r;
  r.controller_id = 2;
  r.brokers.resize(2);
  r.brokers[0].node_id = 3;
  r.brokers[1].node_id = 1;
  r.brokers[1].rack = "a";
  r.topics.resize(2);
  r.topics[0].name = "z";
  r.topics[1].name = "a";
  r.topics[1].partitions.resize(2);
  r.topics[1].partitions[0].partition_index = 1;
  r.topics[1].partitions[0].replica_nodes = {3, 1};
  r.topics[1].partitions[1].partition_index = 0;
  auto v = view_from_metadata(r);
  BOOST_TEST(v.broker_ids() == (std::vector<int32_t>{1, 3}));
  BOOST_TEST(v.brokers[0].rack.value_or("") == "a");
  BOOST_TEST(v.topics[0].name == "a");
  BOOST_TEST(v.topics[0].partitions[1].id == 1);
  BOOST_TEST(v.topics[0].partitions[1].replicas == (std::vector<int32_t>{3, 1}));
  BOOST_TEST(v.controller_id == 2);
  BOOST_TEST(load_of(v, 3).replicas == 1);
}

BOOST_AUTO_TEST_CASE(a_fourth_node_gets_replicas_and_preferred_leaders) {
  auto v = make_view({1, 2, 3, 4}, {{"grow", three_nodes(6)}, {"other", three_nodes(3)}});
  int rounds = converge(v);
  BOOST_TEST(rounds >= 1);
  for (const auto* name : {"grow", "other"}) {
    auto counts = replica_counts(v, name);
    auto total = v.topic(name)->partitions.size() * 3;
    BOOST_TEST(counts.size() == 4u); // every node holds replicas of every topic
    for (auto& [n, c] : counts) {
      BOOST_TEST(c >= static_cast<int>(total / 4));
      BOOST_TEST(c <= static_cast<int>((total + 3) / 4));
    }
  }
  auto leaders = leader_counts(v, "grow");
  BOOST_TEST(leaders.size() == 4u);
  for (auto& [n, c] : leaders) BOOST_TEST((c == 1 || c == 2));
  BOOST_TEST(plan_rebalance(v, {}).moves.empty()); // balanced stays put
}

BOOST_AUTO_TEST_CASE(a_node_missing_from_metadata_is_evacuated) {
  auto v = make_view({2, 3, 4}, {{"t", three_nodes(6)}});
  converge(v);
  BOOST_TEST(load_of(v, 1).replicas == 0);
  BOOST_TEST(load_of(v, 1).leaders == 0);
  for (auto& [n, c] : replica_counts(v, "t")) BOOST_TEST(c == 6);
  for (auto& [n, c] : leader_counts(v, "t")) BOOST_TEST(c == 2);
}

BOOST_AUTO_TEST_CASE(pending_partitions_are_left_out) {
  auto v = make_view({1, 2, 3, 4}, {{"t", three_nodes(6)}});
  v.pending.push_back({"t", 0, {1, 2, 3}, {}, {}});
  v.pending[0].replicas = {4, 2, 3, 1};
  v.pending[0].adding = {4};
  v.pending[0].removing = {1};
  v.topics[0].partitions[0].replicas = {4, 2, 3, 1};
  auto plan = plan_rebalance(v, {});
  BOOST_TEST(plan.error.empty());
  BOOST_TEST(plan.pending.size() == 1u);
  for (const auto& m : plan.moves) BOOST_TEST(m.partition != 0);
}

BOOST_AUTO_TEST_CASE(topic_filter_and_errors) {
  auto v = make_view({1, 2, 3, 4}, {{"a", three_nodes(6)}, {"b", three_nodes(6)}});
  auto plan = plan_rebalance(v, {"b"});
  BOOST_TEST(!plan.moves.empty());
  for (const auto& m : plan.moves) BOOST_TEST(m.topic == "b");
  BOOST_TEST(plan_rebalance(v, {"nope"}).error.find("UNKNOWN_TOPIC_OR_PARTITION") !=
             std::string::npos);
  auto small = make_view({1, 2}, {{"a", three_nodes(2)}});
  BOOST_TEST(plan_rebalance(small, {}).error.find("INVALID_REPLICATION_FACTOR") !=
             std::string::npos);
  BOOST_TEST(!plan_rebalance(make_view({}, {}), {}).error.empty());
}

BOOST_AUTO_TEST_CASE(preferred_leaders_spread_and_fixed_sets_stay) {
  std::vector<std::vector<int32_t>> sets{{1, 2, 3}, {1, 3, 2}, {1, 2, 3}, {1, 3, 2}};
  auto original = sets;
  spread_preferred_leaders(sets, {1, 2, 3}, {false, false, false, true});
  std::map<int32_t, int> counts;
  for (const auto& s : sets) ++counts[s.front()];
  BOOST_TEST(counts[1] == 2);
  BOOST_TEST(counts[2] == 1);
  BOOST_TEST(counts[3] == 1);
  BOOST_TEST(sets[3] == original[3]);
  for (size_t k = 0; k < sets.size(); ++k) BOOST_TEST(changed(original[k], sets[k]) == 0u);
  // A first replica that is not live is replaced by a live one.
  std::vector<std::vector<int32_t>> dead{{9, 2, 3}};
  spread_preferred_leaders(dead, {2, 3}, {false});
  BOOST_TEST(dead[0].front() != 9);
}

BOOST_AUTO_TEST_CASE(replica_lists) {
  BOOST_TEST(parse_replica_list("1,2,4").value() == (std::vector<int32_t>{1, 2, 4}));
  BOOST_TEST(parse_replica_list("7").value() == (std::vector<int32_t>{7}));
  for (const char* bad : {"", "1,", ",1", "1,,2", "a", "1,1", "-1", "1 ,2", "99999999999"})
    BOOST_TEST(!parse_replica_list(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(alter_request_groups_by_topic_and_cancels_with_null) {
  auto req =
      alter_request({{"a", 0, {1, 2, 3}, {1, 2, 4}}, {"b", 1, {}, {}}, {"a", 2, {}, {4}}}, 5000);
  BOOST_TEST(req.timeout_ms == 5000);
  BOOST_REQUIRE(req.topics.size() == 2u);
  BOOST_TEST(req.topics[0].name == "a");
  BOOST_REQUIRE(req.topics[0].partitions.size() == 2u);
  BOOST_TEST(req.topics[0].partitions[0].replicas.value() == (std::vector<int32_t>{1, 2, 4}));
  BOOST_TEST(req.topics[0].partitions[1].partition_index == 2);
  BOOST_TEST(!req.topics[1].partitions[0].replicas.has_value());
  // Survives the wire: encode, decode at v0.
  caudal::protocol::byte_buffer buf;
  caudal::protocol::writer w(buf);
  req.encode(w, 0);
  msg::alter_partition_reassignments_request back;
  caudal::protocol::reader r(buf);
  back.decode(r, 0);
  BOOST_TEST(r.at_end());
  BOOST_TEST((back == req));
}

BOOST_AUTO_TEST_CASE(elect_and_list_requests) {
  auto all = elect_request({}, 1000);
  BOOST_TEST(!all.topic_partitions.has_value());
  BOOST_TEST(all.election_type == 0);
  auto some = elect_request({{"a", 1}, {"b", 0}, {"a", 3}}, 1000);
  BOOST_REQUIRE(some.topic_partitions->size() == 2u);
  BOOST_TEST((*some.topic_partitions)[0].partitions == (std::vector<int32_t>{1, 3}));
  BOOST_TEST(!list_request({}, nullptr, 100).topics.has_value());
  auto v = make_view({1, 2, 3}, {{"t", three_nodes(3)}});
  auto list = list_request({"t"}, &v, 100);
  BOOST_REQUIRE(list.topics->size() == 1u);
  BOOST_TEST((*list.topics)[0].partition_indexes == (std::vector<int32_t>{0, 1, 2}));
}

BOOST_AUTO_TEST_CASE(results_and_tables) {
  msg::elect_leaders_response er;
  er.replica_election_results.resize(1);
  er.replica_election_results[0].topic = "t";
  er.replica_election_results[0].partition_result.resize(3);
  er.replica_election_results[0].partition_result[1].partition_id = 1;
  er.replica_election_results[0].partition_result[1].error_code = 84;
  er.replica_election_results[0].partition_result[2].partition_id = 2;
  er.replica_election_results[0].partition_result[2].error_code = 80;
  er.replica_election_results[0].partition_result[2].error_message = "not in sync";
  int16_t top = -1;
  auto results = elect_results(er, top);
  BOOST_TEST(top == 0);
  BOOST_TEST(election_ok(results[1].error));
  BOOST_TEST(!election_ok(results[2].error));
  std::ostringstream out;
  print_table(out, result_table(results, true));
  BOOST_TEST(out.str() == "TOPIC  PARTITION  RESULT\n"
                          "t      0          ok\n"
                          "t      1          already preferred\n"
                          "t      2          PREFERRED_LEADER_NOT_AVAILABLE: not in sync\n");

  msg::alter_partition_reassignments_response ar;
  ar.error_code = 41;
  ar.error_message = "not controller";
  ar.responses.resize(1);
  ar.responses[0].name = "t";
  ar.responses[0].partitions.resize(1);
  ar.responses[0].partitions[0].error_code = 39;
  std::string message;
  auto alters = alter_results(ar, top, message);
  BOOST_TEST(top == 41);
  BOOST_TEST(message == "not controller");
  BOOST_TEST(alters.at(0).error == 39);

  std::ostringstream plan;
  print_table(plan, plan_table({{"grow", 3, {1, 2, 3}, {4, 2, 3}}}));
  BOOST_TEST(plan.str() == "TOPIC  PARTITION  FROM   TO\n"
                           "grow   3          1,2,3  4,2,3\n");
  std::ostringstream pending;
  print_table(pending, pending_table({{"grow", 0, {4, 2, 3, 1}, {4}, {1}}, {"x", 1, {1}, {}, {}}}));
  BOOST_TEST(pending.str() == "TOPIC  PARTITION  REPLICAS  ADDING  REMOVING\n"
                              "grow   0          4,2,3,1   4       1\n"
                              "x      1          1         -       -\n");
}

namespace {

struct parsed {
  elastic_options opts;
  std::string error; // CLI11 error name; empty when the line parsed
  std::vector<std::string> chosen;
};

parsed parse(const std::string& line) {
  parsed out;
  CLI::App app;
  auto* cluster = app.add_subcommand("cluster");
  auto* node = app.add_subcommand("node");
  define_elastic_commands(*cluster, *node, out.opts);
  try {
    app.parse(line, false);
    for (auto* sub : {cluster, node})
      for (auto* s : sub->get_subcommands()) out.chosen.push_back(s->get_name());
  } catch (const CLI::ParseError& e) {
    out.error = e.get_name();
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_CASE(command_lines) {
  auto r = parse("cluster rebalance --dry-run -t a --topic b --wait-timeout-ms 5000");
  BOOST_TEST(r.error.empty());
  BOOST_TEST(r.chosen == (std::vector<std::string>{"rebalance"}));
  BOOST_TEST(r.opts.rebalance.dry_run);
  BOOST_TEST(!r.opts.rebalance.wait);
  BOOST_TEST(r.opts.rebalance.topics == (std::vector<std::string>{"a", "b"}));
  BOOST_TEST(r.opts.rebalance.wait_timeout_ms == 5000);

  auto d = parse("node decommission 3 --wait --poll-ms 200");
  BOOST_TEST(d.error.empty());
  BOOST_TEST(d.opts.decommission.id == 3);
  BOOST_TEST(d.opts.decommission.wait);
  BOOST_TEST(d.opts.decommission.poll_ms == 200);
  BOOST_TEST(!parse("node decommission").error.empty());
  BOOST_TEST(!parse("node decommission -1").error.empty());

  auto a = parse("cluster reassign -t x -p 2 --replicas 1,2,4");
  BOOST_TEST(a.error.empty());
  BOOST_TEST(!check_reassign_options(a.opts.reassign).has_value());
  BOOST_TEST(parse("cluster reassign -t x -p 2 --replicas 1 --cancel").error == "ExcludesError");
  BOOST_TEST(parse("cluster reassign -t x").error == "RequiredError");
  auto none = parse("cluster reassign -t x -p 0");
  BOOST_TEST(check_reassign_options(none.opts.reassign).has_value());
  auto bad = parse("cluster reassign -t x -p 0 --replicas 1,1");
  BOOST_TEST(check_reassign_options(bad.opts.reassign).has_value());

  BOOST_TEST(parse("cluster elect-leaders -p 1").error == "RequiresError");
  auto e = parse("cluster elect-leaders -t x -p 1");
  BOOST_TEST(e.opts.elect.partition.value() == 1);
  BOOST_TEST(parse("cluster reassignments -t x").opts.reassignments.topics.size() == 1u);
}
