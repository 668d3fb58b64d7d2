// The fault schedule of a run, per host: power-loss crashes with restart,
// pauses (the node's actors are not scheduled; clients and timers go on),
// clock jumps at restart, and the disk faults (seeded fsync failures, a byte
// budget) armed at boot. Every fault is a trace line. Only faults the
// configuration claims to survive are injected: see docs/simulator.md.
#include "sim/world.h"

namespace caudal::sim {

namespace {

const char* mode_name(storage::crash_mode m) {
  switch (m) {
  case storage::crash_mode::lose_unsynced:
    return "lose_unsynced";
  case storage::crash_mode::tear_last_write:
    return "tear_last_write";
  case storage::crash_mode::random_prefix:
    return "random_prefix";
  }
  return "?";
}

std::string signed_ms(int64_t v) { return (v >= 0 ? "+" : "") + std::to_string(v) + "ms"; }

} // namespace

void world::start_faults() {
  for (auto& h : hosts) {
    if (cfg.crashes) schedule_crash(*h);
    if (cfg.pauses) schedule_pause(*h);
  }
}

void world::schedule_crash(sim_host& h) {
  loop.after(loop.uniform(cfg.crash_interval_min_ms, cfg.crash_interval_max_ms),
             [this, &h] { crash(h); });
}

void world::crash(sim_host& h) {
  if (!faults || !h.node->up()) return;
  auto mode = static_cast<storage::crash_mode>(loop.uniform(0, 2));
  auto tear_seed = loop.rng()();
  log(h, std::string("crash mode=") + mode_name(mode));
  ++crashes;
  h.paused = false; // the process is gone; its held jobs run their exit now
  ++h.pause_generation;
  h.disk.crash(mode, tear_seed);
  h.node->kill();
  work->on_crash();
  hist.crashed(loop.now_ms());
  restart_later(h, loop.uniform(1, cfg.downtime_max_ms));
}

// The restart is always a later event: the killed actors must run their last
// jobs (and release the metastore) before the node boots again.
void world::restart_later(sim_host& h, int64_t delay_ms) {
  loop.after(std::max<int64_t>(delay_ms, 1), [this, &h] {
    if (h.node->up()) return;
    if (faults) jump_clock(h);
    boot(h);
    if (faults && cfg.crashes) schedule_crash(h);
  });
}

// A host whose clock was stepped (NTP) or is skewed: the node boots with a
// wall clock up to clock_jump_max_ms off true time, forward or backward.
void world::jump_clock(sim_host& h) {
  if (cfg.clock_jump_max_ms <= 0) return;
  auto jump = loop.uniform(-cfg.clock_jump_max_ms, cfg.clock_jump_max_ms);
  auto before = h.node->epoch_offset() - h.true_epoch_offset_ms;
  h.node->set_epoch_offset(h.true_epoch_offset_ms + jump);
  ++clock_jumps;
  log(h, "clock jump " + signed_ms(jump - before) + " (skew now " + signed_ms(jump) + ")");
}

void world::schedule_pause(sim_host& h) {
  loop.after(loop.uniform(cfg.pause_interval_min_ms, cfg.pause_interval_max_ms),
             [this, &h] { pause(h); });
}

void world::pause(sim_host& h) {
  if (!faults) return;
  if (!h.node->up() || h.paused) return schedule_pause(h);
  h.paused = true;
  ++pauses;
  auto generation = ++h.pause_generation;
  auto length = loop.uniform(1, cfg.pause_max_ms);
  log(h, "pause for " + std::to_string(length) + "ms");
  loop.after(length, [this, &h, generation] { resume(h, generation); });
}

void world::resume(sim_host& h, uint64_t generation) {
  if (h.pause_generation != generation) return; // a crash ended this pause already
  h.paused = false;
  log(h, "resume");
  if (faults) schedule_pause(h);
}

void world::heal() {
  faults = false;
  for (auto& hp : hosts) {
    auto& h = *hp;
    if (h.paused) {
      h.paused = false;
      ++h.pause_generation;
      log(h, "resume (healing)");
    }
    h.disk.set_faults(storage::disk_faults{}, 0);
    bool fsync_failed = h.disk.injected_sync_failures() > h.sync_failures_at_boot;
    bool was_full = h.disk.no_space_failures() > h.no_space_at_boot;
    if (h.node->up() && (fsync_failed || was_full)) {
      // A failed fsync leaves the partition log refusing appends until the
      // process restarts (as Kafka takes a failed log dir offline), and a
      // partition that could not be opened on a full disk stays unknown: the
      // operator makes room and restarts the node. Not a power loss: the page
      // cache survives.
      log(h, fsync_failed ? "restart after a failed fsync" : "restart after the disk was full");
      h.node->kill();
      work->on_crash();
    }
    if (!h.node->up()) restart_later(h, 1);
  }
}

} // namespace caudal::sim
