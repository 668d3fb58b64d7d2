// Metadata snapshots: the snapshot files on disk, snapshots replacing the
// log prefix, restarts from a snapshot, and a node that fell behind the
// leader's log start catching up from the leader's snapshot.
#define BOOST_TEST_MODULE controller_snapshots
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/metadata_snapshot_files.h"
#include "cluster/peer_types.h"
#include "cluster_fixture.h"
#include "storage/mem_filesystem.h"

using namespace caudal;
using namespace caudal::actors;
using caudal::testing::cluster_fixture;

namespace {

struct small_snapshots : cluster_fixture {
  // A few commands' worth of records between snapshots.
  small_snapshots() : cluster_fixture(3, 2048) {}
};

controller_command create(std::string name) {
  return create_topics_cmd{{topic_spec{std::move(name), 2, 3, {{"retention.ms", "1000"}}}}, false};
}

size_t snapshot_files_of(cluster_fixture& f, int32_t id) {
  size_t n = 0;
  auto dir = f.dir + "/node-" + std::to_string(id) + "/__cluster_metadata-0";
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (metadata_snapshot_files::parse_file_name(e.path().filename().string())) ++n;
  return n;
}

void create_topics(cluster_fixture& f, int32_t via, const std::string& prefix, int count) {
  for (int i = 0; i < count; ++i) {
    auto r = f.command(via, create(prefix + std::to_string(i)));
    BOOST_REQUIRE_EQUAL(r.error, 0);
    BOOST_REQUIRE_EQUAL(r.items.at(0).error, 0);
  }
}

metadata::image sample_image() {
  metadata::image img;
  metadata::apply(img, metadata::register_node{1, 7, "h", 1, "p", 2, "r"});
  metadata::apply(img, metadata::unfence_node{1});
  metadata::apply(img, metadata::topic_record{"t", metadata::uuid{{1}}, false});
  return img;
}

std::vector<uint8_t> encoded(const metadata::image& img, metadata::snapshot_id id) {
  auto b = metadata::encode_snapshot(img, id, 0);
  return {b.begin(), b.end()};
}

} // namespace

BOOST_AUTO_TEST_CASE(snapshot_files_are_named_by_offset_and_epoch_and_pruned) {
  BOOST_TEST(metadata_snapshot_files::file_name({1234, 5}) ==
             "00000000000000001234-0000000005.checkpoint");
  auto back =
      metadata_snapshot_files::parse_file_name("00000000000000001234-0000000005.checkpoint");
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == metadata::snapshot_id{1234, 5}));
  BOOST_TEST(!metadata_snapshot_files::parse_file_name("00000000000000001234.log"));
  BOOST_TEST(
      !metadata_snapshot_files::parse_file_name("0000000000000000123x-0000000005.checkpoint"));
  BOOST_TEST(!metadata_snapshot_files::parse_file_name("partition.checkpoint"));

  storage::mem_filesystem fs;
  BOOST_REQUIRE(fs.create_dirs("/m"));
  metadata_snapshot_files files(fs, "/m");
  auto img = sample_image();
  for (int64_t off : {100, 200, 300}) BOOST_REQUIRE(files.save(encoded(img, {off, 2}), {off, 2}));
  auto ids = files.list();
  BOOST_REQUIRE(ids);
  BOOST_REQUIRE_EQUAL(ids->size(), 2u); // the newest two are kept
  BOOST_TEST(ids->front().end_offset == 200);
  std::vector<std::string> skipped;
  auto latest = files.load_latest(skipped);
  BOOST_REQUIRE(latest);
  BOOST_REQUIRE(latest->has_value());
  BOOST_TEST((**latest).id.end_offset == 300);
  BOOST_TEST(((**latest).img == img));
  BOOST_TEST(skipped.empty());
}

BOOST_AUTO_TEST_CASE(a_damaged_newest_snapshot_falls_back_to_the_previous_one) {
  storage::mem_filesystem fs;
  BOOST_REQUIRE(fs.create_dirs("/m"));
  metadata_snapshot_files files(fs, "/m");
  auto img = sample_image();
  BOOST_REQUIRE(files.save(encoded(img, {100, 1}), {100, 1}));
  BOOST_REQUIRE(files.save(encoded(img, {200, 1}), {200, 1}));
  auto f =
      fs.open("/m/" + metadata_snapshot_files::file_name({200, 1}), storage::open_mode::existing);
  BOOST_REQUIRE(f);
  BOOST_REQUIRE((*f)->truncate((*f)->size() - 3)); // a torn write
  std::vector<std::string> skipped;
  auto latest = files.load_latest(skipped);
  BOOST_REQUIRE(latest);
  BOOST_REQUIRE(latest->has_value());
  BOOST_TEST((**latest).id.end_offset == 100);
  BOOST_TEST(skipped.size() == 1u);
  // A file whose header names another id than its name is skipped too.
  BOOST_REQUIRE(files.save(encoded(img, {999, 1}), {300, 1}, 3)); // keep all three
  skipped.clear();
  latest = files.load_latest(skipped);
  BOOST_REQUIRE(latest && latest->has_value());
  BOOST_TEST((**latest).id.end_offset == 100);
}

BOOST_AUTO_TEST_CASE(snapshot_messages_survive_serialization) {
  caudal::testing::wire_config cfg;
  caf::actor_system sys{cfg};
  auto bytes = encoded(sample_image(), {77, 3});
  auto m = caf::make_message(controller_group, metadata_snapshot_answer{bytes});
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  BOOST_REQUIRE(!sink(m));
  caf::message out;
  caf::binary_deserializer source{sys, buf};
  BOOST_REQUIRE(!source(out));
  BOOST_REQUIRE((out.match_elements<std::string, metadata_snapshot_answer>()));
  BOOST_TEST((out.get_as<metadata_snapshot_answer>(1).bytes == bytes));
}

BOOST_FIXTURE_TEST_CASE(snapshots_replace_the_log_prefix_and_restarts_start_from_them,
                        small_snapshots) {
  auto leader = await_stable_cluster();
  create_topics(*this, follower_of(leader), "t", 40);
  BOOST_REQUIRE(run_until([&] { return images_equal() && seen[1]->image->topics.size() == 40u; }));
  for (auto id : ids) {
    auto st = status(id);
    BOOST_TEST_MESSAGE("node " << id << ": log start " << st.log_start_offset << ", snapshot "
                               << st.snapshot_offset << ", applied " << st.applied_offset);
    BOOST_TEST(st.snapshot_offset > 0);
    BOOST_TEST(st.log_start_offset > 0); // the prefix before the older snapshot is gone
    BOOST_TEST(st.log_start_offset < st.snapshot_offset);
    BOOST_TEST(snapshot_files_of(*this, id) == 2u);
  }
  auto before = *seen[1]->image;
  for (auto id : ids) kill_controller(id);
  for (auto id : ids) seen[id]->image.reset();
  for (auto id : ids) start_controller(id);
  await_stable_cluster();
  BOOST_TEST(run_until([&] { return images_equal() && seen[1]->image->topic("t39"); }));
  auto& after = *seen[1]->image;
  BOOST_TEST((after.topics == before.topics));
  BOOST_TEST((after.topic_configs == before.topic_configs));
  create_topics(*this, agreed_leader(), "after", 1); // the restarted cluster takes commands
}

BOOST_FIXTURE_TEST_CASE(a_node_behind_the_log_start_installs_the_leaders_snapshot,
                        small_snapshots) {
  auto leader = await_stable_cluster();
  auto lagging = follower_of(leader);
  auto behind = status(lagging).applied_offset;
  kill_controller(lagging);
  create_topics(*this, leader, "while-down-", 40);
  auto leader_status = status(leader);
  BOOST_REQUIRE_GT(leader_status.log_start_offset, behind); // its log no longer has what we lack
  start_controller(lagging);
  BOOST_TEST(run_until([&] {
    return images_equal() && seen[lagging]->image && seen[lagging]->image->topic("while-down-39") &&
           seen[lagging]->image->is_live(lagging);
  }));
  auto st = status(lagging);
  BOOST_TEST(st.log_start_offset > behind);              // its log was reset to the leader's start
  BOOST_TEST(st.snapshot_offset >= st.log_start_offset); // and the snapshot stored
  // It keeps following: a new command reaches it through the log.
  create_topics(*this, lagging, "after-", 1);
  BOOST_TEST(run_until([&] { return images_equal() && seen[lagging]->image->topic("after-0"); }));
}

BOOST_FIXTURE_TEST_CASE(a_node_that_lost_its_metadata_log_rebuilds_from_a_snapshot,
                        small_snapshots) {
  auto leader = await_stable_cluster();
  auto victim = follower_of(leader);
  create_topics(*this, leader, "t", 30);
  BOOST_REQUIRE(run_until([&] { return images_equal(); }));
  kill_controller(victim);
  std::filesystem::remove_all(dir + "/node-" + std::to_string(victim));
  start_controller(victim);
  BOOST_TEST(run_until(
      [&] { return images_equal() && seen[victim]->image && seen[victim]->image->topic("t29"); }));
  BOOST_TEST(status(victim).snapshot_offset > 0);
}
