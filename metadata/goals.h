#pragma once
// Multi-step reassignments. Kafka clients send a whole new replica list
// (AlterPartitionReassignments); a Raft group changes one voter at a time.
// A target that adds or removes more than one replica becomes a *goal*
// (record reassignment_goal) plus its first step; each time a step completes
// (a leader report, or at once when it only removes replicas) the next step
// starts, until the replicas equal the goal, which is then cleared.

#include <vector>

#include "metadata/commands.h"
#include "metadata/image.h"

namespace caudal::metadata {

/// True when moving from the replicas holding the data (replicas minus
/// `adding`) to `target` adds at most one replica and removes at most one.
bool fits_one_step(const partition_state& st, const std::vector<node_id>& target);

/// The next single step towards `goal`: one replica out (not the leader when
/// another can go) and one in; `goal` itself once one step reaches it.
std::vector<node_id> next_step(const partition_state& st, const std::vector<node_id>& goal);

/// A reassignment to `req.replicas` (must be set), one step or many: the
/// records (goal set or cleared, first step) and one item result.
command_result reassign_towards(const image& img, const reassignment_request& req);

/// A cancel (`req.replicas` nullopt): clears the goal and reverts the step
/// in progress; a goal between two steps is simply dropped.
command_result cancel_reassignment(const image& img, const reassignment_request& req);

/// After records were applied to `img` (a leader report): if the partition
/// has a goal and no step in progress, the records of the next step(s), or
/// of clearing the goal once reached or no longer reachable.
std::vector<record> continue_goal(const image& img, const uuid& topic, int32_t partition);

} // namespace caudal::metadata
