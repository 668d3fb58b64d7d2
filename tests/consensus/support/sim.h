#pragma once
// A deterministic randomized cluster simulation of one Raft group: voters and
// observers in one process, virtual time, a seeded network that delays,
// loses, duplicates and reorders messages, partitions (also one-way), crashes
// that drop unflushed log entries, and clients appending at whoever leads.
// Safety checkers run after every event; a liveness check after healing.

#include <cstdint>
#include <string>

#include "consensus/replica.h"

namespace caudal::consensus::testing {

struct sim_options {
  uint64_t seed = 1;
  int voters = 3;
  int observers = 1;
  int64_t chaos_ms = 6000;           // faults are injected during this phase
  int64_t heal_limit_ms = 20000;     // then everything heals; liveness bound
  int64_t max_delay_ms = 20;         // one-way delay is uniform in [1, max]
  int64_t election_timeout_ms = 200; // must exceed a round trip plus fetch wait
  int64_t fetch_wait_ms = 60;
  int32_t fetch_max_bytes = 1 << 20; // 1: one batch per fetch response
  double loss = 0.05;
  double duplication = 0.03;
  int64_t chaos_every_ms = 300;
  int64_t append_every_ms = 25;
  int64_t tick_jitter_ms = 5; // actor timers fire a little late
  bool crashes = true;
  double leader_crash_bias = 0; // chance that a crash hits the leader
  bool flush_before_ack = true;
  fault_injection faults;
  // Voter-set changes during the chaos phase, as the controller drives them:
  // one member at a time, the next only once every node applied the last;
  // each node applies a change after its own delay in [0, config_lag_ms].
  // Observers join the voters only from the leader's ISR; leaders are also
  // asked to transfer leadership now and then.
  bool membership_changes = false;
  int64_t config_lag_ms = 40;
  int64_t membership_every_ms = 400;
  bool membership_ignores_holding = false; // negative control: change without the rule
  int64_t trace_from_ms = -1; // print every event from this virtual time on (debugging)
};

struct sim_stats {
  bool ok = true;
  std::string violation; // the first broken invariant, with context
  int elections = 0;     // distinct epochs that had a leader
  int crashes = 0;
  int64_t appends = 0;   // accepted by a leader
  int64_t acked = 0;     // committed while the appending leader still led
  int64_t committed = 0; // final committed prefix length
  int64_t events = 0;
  int64_t heal_ms = 0;   // virtual time from healing to full convergence
  int voter_changes = 0; // membership changes applied (additions + removals)
  int transfers = 0;     // leadership transfers started
};

sim_stats run_cluster_sim(const sim_options& opt);

} // namespace caudal::consensus::testing
