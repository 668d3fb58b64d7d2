#include "sim/sim_loop.h"

#include <chrono>

#include <caf/abstract_actor.hpp>

namespace caudal::sim {

namespace {
constexpr int64_t ns_per_ms = 1000000;
}

sim_actor_config::sim_actor_config() {
  set("scheduler.policy", caf::atom("testing"));
  set("logger.console-verbosity", caf::atom("quiet"));
  set("logger.file-verbosity", caf::atom("quiet"));
}

sim_loop::sim_loop(caf::actor_system& sys, uint64_t seed)
    : sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())), rng_(seed) {}

int64_t sim_loop::now_ms() const {
  return sched_.clock().now().time_since_epoch().count() / ns_per_ms;
}

void sim_loop::after(int64_t delay_ms, std::function<void()> fn) {
  int64_t at = sched_.clock().now().time_since_epoch().count() + delay_ms * ns_per_ms;
  events_.emplace(std::make_pair(at, next_seq_++), std::move(fn));
}

int64_t sim_loop::uniform(int64_t lo, int64_t hi) {
  // Modulo keeps the draw independent of the standard library's distributions.
  if (hi <= lo) return lo;
  return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
}

namespace {
caf::actor_id id_of(const caf::resumable* job) {
  auto* a = dynamic_cast<const caf::abstract_actor*>(job);
  return a == nullptr ? caf::invalid_actor_id : a->id();
}
} // namespace

int32_t sim_loop::node_of(const caf::resumable* job) const {
  auto it = owner_.find(id_of(job));
  return it == owner_.end() ? -1 : it->second;
}

// A job that is queued but untagged after a node's job ran was spawned by it
// (jobs of known actors are tagged already).
void sim_loop::inherit(int32_t node) {
  if (node < 0) return;
  for (auto* job : sched_.jobs) {
    auto id = id_of(job);
    if (id != caf::invalid_actor_id) owner_.try_emplace(id, node);
  }
}

// Fills runnable_ with the indexes of the jobs that are not held.
size_t sim_loop::runnable_jobs() {
  runnable_.clear();
  for (size_t i = 0; i < sched_.jobs.size(); ++i)
    if (!held_ || !held_(node_of(sched_.jobs[i]))) runnable_.push_back(i);
  return runnable_.size();
}

bool sim_loop::step() {
  int64_t now = sched_.clock().now().time_since_epoch().count();
  size_t jobs = runnable_jobs();
  size_t due = !events_.empty() && events_.begin()->first.first <= now ? 1 : 0;
  if (jobs + due == 0) return false;
  auto pick = static_cast<size_t>(rng_() % (jobs + due));
  if (pick < jobs) {
    std::swap(sched_.jobs[0], sched_.jobs[runnable_[pick]]);
    auto node = node_of(sched_.jobs[0]);
    sched_.run_once();
    inherit(node);
    ++jobs_run_;
    return true;
  }
  auto fn = std::move(events_.begin()->second);
  events_.erase(events_.begin());
  fn();
  return true;
}

// Jumps the clock to the next deadline (harness event or CAF timer), firing
// the CAF timers that fall due; false if that would pass `until_ms`.
bool sim_loop::advance(int64_t until_ms) {
  int64_t now = sched_.clock().now().time_since_epoch().count();
  int64_t next = INT64_MAX;
  if (!events_.empty()) next = events_.begin()->first.first;
  auto& schedule = sched_.clock().schedule();
  if (!schedule.empty())
    next = std::min<int64_t>(next, schedule.begin()->first.time_since_epoch().count());
  int64_t limit = until_ms * ns_per_ms;
  if (next > limit) {
    if (limit > now) sched_.clock().advance_time(std::chrono::nanoseconds{limit - now});
    return false;
  }
  if (next > now)
    sched_.clock().advance_time(std::chrono::nanoseconds{next - now});
  else
    sched_.clock().trigger_timeout(); // an overdue timer (e.g. set during a step at `now`)
  return true;
}

bool sim_loop::run_until(int64_t until_ms, const std::function<bool()>& stop) {
  for (;;) {
    if (stop && stop()) return true;
    if (step()) continue;
    if (!advance(until_ms)) return stop && stop();
  }
}

void sim_loop::drain() {
  held_ = nullptr; // teardown runs every actor's last jobs
  while (sched_.has_job()) {
    sched_.run_once();
    ++jobs_run_;
  }
}

} // namespace caudal::sim
