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
/// A reassignment may add at most one replica and remove at most one per
/// partition (INVALID_REPLICA_ASSIGNMENT otherwise): Raft membership changes
/// one voter at a time (consensus/README.md, "Voter changes").
bool plan_reassignment(metadata::image& scratch, const controller_command& cmd,
                       command_result& result, std::vector<metadata::record>& records);

} // namespace caudal::actors
