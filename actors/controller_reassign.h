#pragma once
// Controller commands that move replicas: reassignments and decommissioning
// (metadata/commands.h does the planning). Kept apart from
// controller_commands.cpp; plan_command() asks plan_reassignment() first.

#include <vector>

#include "actors/controller_messages.h"
#include "metadata/image.h"
#include "metadata/records.h"

namespace caudal::actors {

/// If `cmd` is a reassign_partitions_cmd or decommission_node_cmd: plans it
/// on `scratch` (records applied there and appended to `records`), sets
/// `result` and returns true. Otherwise returns false and touches nothing.
///
/// Raft membership changes one voter at a time (consensus/README.md, "Voter
/// changes"): a target that adds or removes more than one replica of a
/// partition is refused (INVALID_REPLICA_ASSIGNMENT) unless the item is
/// `stepwise`; then it is recorded as a goal and reached in single steps
/// (metadata/goals.h). Cancelling drops the goal and reverts the step in
/// progress (completed steps stay).
bool plan_reassignment(metadata::image& scratch, const controller_command& cmd,
                       command_result& result, std::vector<metadata::record>& records);

/// After a leader report was planned on `scratch`: the next step of the
/// partition's reassignment goal if the report completed the previous one.
void continue_reassignment(metadata::image& scratch, const leader_report& report,
                           std::vector<metadata::record>& records);

} // namespace caudal::actors
