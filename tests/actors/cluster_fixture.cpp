#include "cluster_fixture.h"

#include <filesystem>

#include "actors/atoms.h"
#include "cluster/peer_router.h"
#include "cluster/peer_types.h"

namespace caudal::testing {

using namespace actors;

cluster_fixture::cluster_fixture(int nodes, int64_t snapshot_bytes)
    : snapshot_interval_bytes(snapshot_bytes) {
  auto base = (std::filesystem::temp_directory_path() / "caudal-cluster-XXXXXX").string();
  BOOST_REQUIRE(mkdtemp(base.data()) != nullptr);
  dir = base;
  for (int32_t id = 1; id <= nodes; ++id) {
    ids.push_back(id);
    auto m = storage::metastore::open(dir + "/meta-" + std::to_string(id));
    BOOST_REQUIRE(m);
    metas[id] = std::move(*m);
    routers[id] = cluster::spawn_peer_router(sys);
    net.set_router(id, routers[id]);
    seen[id] = std::make_shared<observed>();
    auto s = seen[id];
    watchers[id] = sys.spawn([s]() -> caf::behavior {
      return {[s](image_atom, image_ptr& img, int32_t leader) {
        s->image = std::move(img);
        s->leader = leader;
        ++s->updates;
      }};
    });
  }
  sched.run();
  for (auto id : ids) start_controller(id);
}

cluster_fixture::~cluster_fixture() {
  for (auto& [id, a] : controllers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (auto& [id, a] : watchers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (auto& [id, a] : routers) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  owned_net.reset(); // ends the transports; their exits run below
  sched.run();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

controller_args cluster_fixture::controller_args_for(int32_t id) {
  controller_args a;
  a.node_id = id;
  a.voters = {1, 2, 3};
  a.log_dir = dir + "/node-" + std::to_string(id);
  a.fs = &fs;
  a.meta = metas[id].get();
  a.transport = net.transport_for(id);
  a.router = routers[id];
  a.seed = 1000 * static_cast<uint64_t>(id) + static_cast<uint64_t>(starts[id]++);
  a.election_timeout_ms = 1000;
  a.fetch_wait_ms = 200;
  a.request_timeout_ms = 10000;
  a.snapshot_interval_bytes = snapshot_interval_bytes;
  a.registration = {"127.0.0.1", static_cast<uint16_t>(9090 + id), "127.0.0.1",
                    static_cast<uint16_t>(19090 + id), "rack-" + std::to_string(id % 2)};
  return a;
}

void cluster_fixture::start_controller(int32_t id) {
  std::string error;
  auto c = spawn_controller(sys, controller_args_for(id), error);
  BOOST_REQUIRE_MESSAGE(c, error);
  controllers[id] = c;
  caf::anon_send(c, subscribe_atom::value, watchers[id]);
  sched.run();
}

void cluster_fixture::kill_controller(int32_t id) {
  caf::anon_send_exit(controllers[id], caf::exit_reason::kill);
  controllers.erase(id);
  seen[id]->leader = -1;
  sched.run();
}

int64_t cluster_fixture::now_ms() {
  auto t = sys.clock().now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(t).count();
}

bool cluster_fixture::run_until(const std::function<bool()>& pred, int64_t max_ms) {
  auto deadline = now_ms() + max_ms;
  while (!pred()) {
    if (sched.has_job()) {
      sched.run_once();
      continue;
    }
    if (now_ms() >= deadline || !sched.trigger_timeout()) return false;
  }
  return true;
}

void cluster_fixture::run_for(int64_t ms) {
  auto end = now_ms() + ms;
  run_until([&] { return now_ms() >= end; }, ms + 1);
}

int32_t cluster_fixture::agreed_leader() {
  int32_t leader = -1;
  for (auto& [id, c] : controllers) {
    auto l = seen[id]->leader;
    if (l == -1 || (leader != -1 && l != leader)) return -1;
    leader = l;
  }
  return controllers.count(leader) ? leader : -1;
}

int32_t cluster_fixture::await_stable_cluster() {
  auto all_live = [&] {
    for (auto& [id, c] : controllers) {
      auto& img = seen[id]->image;
      if (!img) return false;
      for (auto& [n, other] : controllers)
        if (!img->is_live(n)) return false;
    }
    return true;
  };
  BOOST_REQUIRE(run_until([&] { return agreed_leader() != -1 && all_live(); }));
  return agreed_leader();
}

command_result cluster_fixture::command(int32_t id, controller_command cmd) {
  auto out = std::make_shared<std::optional<command_result>>();
  auto ctl = controllers.at(id);
  sys.spawn([=](caf::event_based_actor* a) {
    a->request(ctl, caf::infinite, command_atom::value, cmd)
        .then([=](command_result& r) { *out = std::move(r); },
              [=](caf::error& e) {
                *out = command_result{-1, caf::to_string(e), {}};
              });
  });
  BOOST_REQUIRE(run_until([&] { return out->has_value(); }, 60000));
  return **out;
}

int16_t cluster_fixture::report(int32_t id, leader_report r) {
  auto out = std::make_shared<std::optional<int16_t>>();
  auto ctl = controllers.at(id);
  sys.spawn([=](caf::event_based_actor* a) {
    a->request(ctl, caf::infinite, report_atom::value, r)
        .then([=](int16_t e) { *out = e; }, [=](caf::error&) { *out = int16_t{-1}; });
  });
  BOOST_REQUIRE(run_until([&] { return out->has_value(); }, 60000));
  return **out;
}

controller_status cluster_fixture::status(int32_t id) {
  auto out = std::make_shared<std::optional<controller_status>>();
  auto ctl = controllers.at(id);
  sys.spawn([=](caf::event_based_actor* a) {
    a->request(ctl, caf::infinite, status_atom::value).then([=](controller_status& s) {
      *out = std::move(s);
    });
  });
  BOOST_REQUIRE(run_until([&] { return out->has_value(); }, 1000));
  return **out;
}

int32_t cluster_fixture::follower_of(int32_t leader) const {
  for (auto& [id, c] : controllers)
    if (id != leader) return id;
  return -1;
}

bool cluster_fixture::images_equal() {
  const metadata::image* first = nullptr;
  for (auto& [id, c] : controllers) {
    auto& img = seen[id]->image;
    if (!img) return false;
    if (first && !(*first == *img)) return false;
    first = img.get();
  }
  return true;
}

wire_config::wire_config() {
  set("logger.console-verbosity", caf::atom("quiet"));
  set("logger.file-verbosity", caf::atom("quiet"));
  cluster::announce_peer_types(*this);
  actors::announce_controller_types(*this);
}

} // namespace caudal::testing
