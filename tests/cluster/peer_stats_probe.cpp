// A measuring aid, not a test: connects to the peer routers of running nodes
// (their inter-node listeners) like another node's transport would and prints
// what each router has received so far: middleman frames, batches among
// them, and messages. Run it twice and subtract for a rate.
// Frames received by the routers are the frames the transports sent (a
// node's sends to itself also pass its router, but Raft groups do not send
// to themselves).
//
//   peer_stats_probe [--old-layout] HOST:PORT...
//
// --old-layout reads routers built before transport batching (their status
// had no frame counters; every message was its own frame then).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "actors/atoms.h"
#include "cluster/peer_types.h"

namespace {

// router_status before batching: the same type name, four counters.
struct old_router_status {
  uint64_t delivered = 0, dropped_unknown_group = 0, dropped_malformed = 0, groups = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, old_router_status& x) {
  return f(caf::meta::type_name("caudal.router_status"), x.delivered, x.dropped_unknown_group,
           x.dropped_malformed, x.groups);
}

struct probe_config : caf::actor_system_config {
  explicit probe_config(bool old_layout) {
    load<caf::io::middleman>();
    if (old_layout)
      add_message_type<old_router_status>("caudal.router_status");
    else
      add_message_type<caudal::cluster::router_status>("caudal.router_status");
    set("logger.console-verbosity", caf::atom("quiet"));
    set("logger.file-verbosity", caf::atom("quiet"));
  }
};

struct counts {
  uint64_t frames = 0, batches = 0, messages = 0;
};

counts to_counts(const caudal::cluster::router_status& s) {
  return {s.frames, s.batches, s.delivered + s.dropped_unknown_group + s.dropped_malformed};
}

counts to_counts(const old_router_status& s) {
  auto n = s.delivered + s.dropped_unknown_group + s.dropped_malformed;
  return {n, 0, n};
}

template <class Status>
bool read_status(caf::actor_system& sys, const caf::actor& router, counts& out) {
  caf::scoped_actor self{sys};
  bool ok = false;
  self->request(router, std::chrono::seconds{15}, caudal::actors::status_atom::value)
      .receive(
          [&](Status& s) {
            out = to_counts(s);
            ok = true;
          },
          [&](caf::error& e) { std::fprintf(stderr, "status: %s\n", sys.render(e).c_str()); });
  return ok;
}

template <class Status>
int run(caf::actor_system& sys, const std::vector<std::string>& addrs) {
  for (const auto& a : addrs) {
    auto colon = a.rfind(':');
    if (colon == std::string::npos) return std::fprintf(stderr, "bad address %s\n", a.c_str()), 2;
    auto port = static_cast<uint16_t>(std::atoi(a.c_str() + colon + 1));
    auto r = sys.middleman().remote_actor(a.substr(0, colon), port);
    if (!r) return std::fprintf(stderr, "cannot reach %s\n", a.c_str()), 1;
    counts c;
    if (!read_status<Status>(sys, *r, c))
      return std::fprintf(stderr, "no status from %s\n", a.c_str()), 1;
    std::printf("%s frames %llu batches %llu messages %llu\n", a.c_str(),
                static_cast<unsigned long long>(c.frames),
                static_cast<unsigned long long>(c.batches),
                static_cast<unsigned long long>(c.messages));
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  int i = 1;
  bool old_layout = argc > 1 && std::string(argv[1]) == "--old-layout";
  if (old_layout) ++i;
  if (argc - i < 1) {
    std::fprintf(stderr, "usage: %s [--old-layout] HOST:PORT...\n", argv[0]);
    return 2;
  }
  std::vector<std::string> addrs(argv + i, argv + argc);
  probe_config cfg{old_layout};
  caf::actor_system sys{cfg};
  return old_layout ? run<old_router_status>(sys, addrs)
                    : run<caudal::cluster::router_status>(sys, addrs);
}
