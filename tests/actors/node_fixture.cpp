#include "node_fixture.h"

#include "actors/producer_ids.h"

#include <random>

namespace caudal::testing {

node_fixture::node_fixture(std::map<std::string, std::string> topic_defaults,
                           actors::group_settings group_settings) {
  auto base = std::filesystem::temp_directory_path() / "caudal-actors-XXXXXX";
  std::string tmpl = base.string();
  BOOST_REQUIRE(mkdtemp(tmpl.data()) != nullptr);
  dir = tmpl;
  auto m = storage::metastore::open(dir + "/__meta");
  BOOST_REQUIRE_MESSAGE(m, "metastore open failed");
  meta = std::move(*m);
  sys = std::make_unique<caf::actor_system>(cfg);
  actors::topic_manager_args a;
  a.log_dir = dir;
  a.fs = &fs;
  a.meta = meta.get();
  a.cache = cache;
  a.seed = 42;
  a.num_partitions = 1;
  a.retention_check_interval_ms = 100;
  a.broker_topic_defaults = std::move(topic_defaults);
  manager = actors::spawn_topic_manager(*sys, a);
  ctx.node_id = 1;
  ctx.cluster_id = "test-cluster";
  ctx.advertised_host = "127.0.0.1";
  ctx.advertised_port = 9092;
  ctx.metadata = cache;
  ctx.topic_manager = manager;
  ctx.producer_ids = actors::spawn_producer_id_manager(*sys, meta.get(), manager);
  actors::group_coordinator_args g; // exits with the topic manager
  g.meta = meta.get();
  g.cache = cache;
  g.topic_manager = manager;
  g.seed = 7;
  g.settings = group_settings;
  g.offsets_partitions = 5;
  ctx.group_coordinator = actors::spawn_group_coordinator(*sys, g);
}

node_fixture::~node_fixture() {
  for (auto& s : sessions) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
  sys.reset(); // waits for every actor
  meta.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

node_fixture::client node_fixture::connect() {
  client c;
  c.session = actors::spawn_session(*sys, ctx, c.responses->sink());
  sessions.push_back(c.session);
  return c;
}

} // namespace caudal::testing
