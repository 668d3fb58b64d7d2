#pragma once
// "Replicas identical on the committed prefix": after a run, with every
// actor stopped, each node's copy of a partition is opened straight from its
// disk (storage::partition_log::open — followers refuse client reads) and its
// batches below the committed offset (the final high watermark) are compared
// byte for byte across the replicas the final metadata image lists. Every replica must hold the
// whole committed prefix: the run ended with a healed cluster and a settle time.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "storage/file_io.h"

namespace caudal::sim::cluster {

struct replica_disk {
  int32_t node = 0;
  storage::filesystem* fs = nullptr;
  std::string log_dir;
};

/// Violations found (empty: identical). `committed` maps partition -> HW;
/// `replicas` partition -> the nodes the final metadata image lists for it:
/// only their disks are compared (a node a reassignment moved the partition
/// off dropped its copy; a directory left there is no replica). A partition
/// missing from `replicas` is a violation.
std::vector<std::string> check_replicas(const std::vector<replica_disk>& disks,
                                        const std::string& topic,
                                        const std::map<int32_t, int64_t>& committed,
                                        const std::map<int32_t, std::vector<int32_t>>& replicas,
                                        int64_t now_ms);

} // namespace caudal::sim::cluster
