#pragma once
// How a node's cluster topic manager turns the metadata image's reassignment
// state into the local replica's Raft membership (see consensus/README.md,
// "Voter changes", and docs/replication.md "Reassignment").
//
// Image (KRaft-style): replicas = target + leaving, `adding`, `removing`.
// Local replica:      replica list = replicas; voters = replicas minus
//                     `adding` (an added replica follows as an observer
//                     until a leader report puts it in the ISR, which ends
//                     its `adding`); removing = the leaving replicas.

#include <cstdint>
#include <vector>

#include <caf/actor.hpp>

#include "actors/cluster_topic_state.h"
#include "metadata/image.h"

namespace caudal::actors {

/// The voters of a partition's Raft group as the image defines them.
std::vector<int32_t> voters_of(const metadata::partition_state& ps);

/// Tells a local replicated partition actor its replica list, voters and
/// leaving replicas: (voters_atom, replicas, voters, removing).
void send_replica_sets(caf::event_based_actor* self, const caf::actor& partition,
                       const metadata::partition_state& ps);

/// True when a change from `before` to `after` must reach the local replica:
/// its sets changed, or a reassignment is under way (each of its steps waits
/// for a fresh leader report, which the message triggers).
bool replica_sets_changed(const metadata::partition_state* before,
                          const metadata::partition_state& after);

/// After an image change: every local replica whose sets changed hears so.
void push_replica_sets(cluster_topic_self self, const metadata::image& before);

/// Tells each local replica what the image now says of its partition's
/// leader, epoch and ISR when that changed: `(report_atom, leader, epoch,
/// isr)`. The controller may change it without the leader's report (fencing
/// a node leaves its partitions leaderless); the leader then reports again.
void push_leader_views(cluster_topic_self self, const metadata::image& before);

} // namespace caudal::actors
