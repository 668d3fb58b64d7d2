#pragma once
// The deterministic scheduler loop. Every actor of the simulation runs in one
// actor_system with scheduler.policy=testing; this loop picks the next
// runnable job with a seeded generator (swapping it to the front of the job
// queue, then run_once()) and interleaves the harness's own timed events
// (client think times, crashes, restarts) with the actors' jobs. When nothing
// is runnable, virtual time jumps to the next deadline: the earliest harness
// event or CAF timer (delayed_send, request timeouts).

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>

namespace caudal::sim {

/// One actor system on the deterministic test coordinator, silent logger.
struct sim_actor_config : caf::actor_system_config {
  sim_actor_config();
};

class sim_loop {
public:
  sim_loop(caf::actor_system& sys, uint64_t seed);

  /// Virtual time in milliseconds since the start of the run.
  int64_t now_ms() const;
  /// Schedules a harness event `delay_ms` from now (events at the same time
  /// run in the order they were scheduled).
  void after(int64_t delay_ms, std::function<void()> fn);
  /// Runs jobs and events until `stop()` holds (returns true) or virtual time
  /// would pass `until_ms` (returns false; the clock is left at most there).
  bool run_until(int64_t until_ms, const std::function<bool()>& stop = {});
  /// Runs the remaining jobs without advancing time (teardown).
  void drain();

  /// Marks actor `id` as node `node`'s. Actors spawned while a node's job
  /// runs inherit its node, so tagging the actors a node boots with (and its
  /// sessions) tags all of them.
  void tag(caf::actor_id id, int32_t node) { owner_[id] = node; }
  /// The node a job belongs to; -1 for none (harness actors).
  int32_t node_of(const caf::resumable* job) const;
  /// Jobs of the nodes for which `held` returns true are not run (a paused
  /// node): they stay queued, as do the messages their timers deliver.
  void hold(std::function<bool(int32_t node)> held) { held_ = std::move(held); }

  std::mt19937_64& rng() { return rng_; }
  /// A uniformly drawn integer in [lo, hi].
  int64_t uniform(int64_t lo, int64_t hi);
  uint64_t jobs_run() const { return jobs_run_; }

private:
  bool step(); // runs one job or due event; false when idle
  size_t runnable_jobs();
  bool advance(int64_t until_ms);

  caf::scheduler::test_coordinator& sched_;
  std::mt19937_64 rng_;
  std::map<std::pair<int64_t, uint64_t>, std::function<void()>> events_; // (time ns, seq)
  uint64_t next_seq_ = 0;
  uint64_t jobs_run_ = 0;
  void inherit(int32_t node); // tags the untagged jobs after a job of `node` ran
  std::function<bool(int32_t)> held_;
  std::unordered_map<caf::actor_id, int32_t> owner_;
  std::vector<size_t> runnable_; // scratch: indexes of jobs not held
};

} // namespace caudal::sim
