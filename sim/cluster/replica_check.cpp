#include "sim/cluster/replica_check.h"

#include <algorithm>

#include "sim/cluster/log_records.h"
#include "storage/partition_log.h"

namespace caudal::sim::cluster {

namespace {

/// The batches of one replica that start below `hw`, or an error text.
std::string committed_batches(const replica_disk& d, const std::string& topic, int32_t partition,
                              int64_t hw, int64_t now_ms, std::vector<log_batch>& out) {
  auto log = storage::partition_log::open(
      *d.fs, storage::partition_dir(d.log_dir, topic, partition), storage::log_config{}, now_ms);
  if (!log) return "cannot open: " + log.error().message;
  int64_t offset = (*log)->log_start_offset();
  if (offset > 0) return "log starts at " + std::to_string(offset) + ", nothing was deleted";
  while (offset < hw && offset < (*log)->log_end_offset()) {
    auto r = (*log)->read(offset, 1 << 20);
    if (!r) return "read at " + std::to_string(offset) + " failed: " + r.error().message;
    if (r->next_offset <= offset) break;
    std::vector<log_batch> batches;
    auto err = split_log_batches(r->bytes, batches);
    if (!err.empty()) return err + " at " + std::to_string(offset);
    for (auto& b : batches)
      if (b.base_offset >= offset && b.base_offset < hw) out.push_back(std::move(b));
    offset = r->next_offset;
  }
  return "";
}

int64_t end_of(const std::vector<log_batch>& batches) {
  return batches.empty() ? 0 : batches.back().last_offset + 1;
}

/// The batches that end below `limit` (the prefix every replica holds).
std::vector<log_batch> prefix(const std::vector<log_batch>& batches, int64_t limit) {
  std::vector<log_batch> out;
  for (auto& b : batches)
    if (b.last_offset < limit) out.push_back(b);
  return out;
}

std::string compare(const std::vector<log_batch>& a, const std::vector<log_batch>& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].base_offset != b[i].base_offset || a[i].last_offset != b[i].last_offset)
      return "batch " + std::to_string(i) + " covers [" + std::to_string(a[i].base_offset) + "," +
             std::to_string(a[i].last_offset) + "] vs [" + std::to_string(b[i].base_offset) + "," +
             std::to_string(b[i].last_offset) + "]";
    if (a[i].bytes != b[i].bytes)
      return "batch at offset " + std::to_string(a[i].base_offset) + " differs";
  }
  if (a.size() != b.size()) return "different number of committed batches";
  return "";
}

} // namespace

std::vector<std::string> check_replicas(const std::vector<replica_disk>& disks,
                                        const std::string& topic,
                                        const std::map<int32_t, int64_t>& committed,
                                        const std::map<int32_t, std::vector<int32_t>>& replicas,
                                        int64_t now_ms) {
  std::vector<std::string> out;
  for (auto& [p, hw] : committed) {
    auto listed = replicas.find(p);
    if (listed == replicas.end() || listed->second.empty()) {
      out.push_back("no replica list for p" + std::to_string(p) + " in the final image");
      continue;
    }
    std::map<int32_t, std::vector<log_batch>> copies;
    for (auto& d : disks) {
      auto& nodes = listed->second;
      if (std::find(nodes.begin(), nodes.end(), d.node) == nodes.end()) continue;
      auto err = committed_batches(d, topic, p, hw, now_ms, copies[d.node]);
      if (!err.empty())
        out.push_back("replica p" + std::to_string(p) + " on n" + std::to_string(d.node) + ": " +
                      err);
    }
    // Identity on the committed prefix that every replica holds; a replica
    // that lacks part of the committed prefix after the settle time is a
    // liveness failure of its own.
    int64_t common = hw;
    for (auto& [node, batches] : copies) {
      if (end_of(batches) < hw)
        out.push_back("liveness: replica p" + std::to_string(p) + " on n" + std::to_string(node) +
                      " holds " + std::to_string(end_of(batches)) + " of the " +
                      std::to_string(hw) + " committed offsets after the settle time");
      common = std::min(common, end_of(batches));
    }
    if (copies.size() != listed->second.size()) {
      out.push_back("p" + std::to_string(p) + " lists a node the run does not have");
      if (copies.empty()) continue;
    }
    auto first = prefix(copies.begin()->second, common);
    for (auto& [node, batches] : copies) {
      auto diff = compare(first, prefix(batches, common));
      if (!diff.empty())
        out.push_back("replicas differ on the committed prefix of p" + std::to_string(p) + ": n" +
                      std::to_string(copies.begin()->first) + " vs n" + std::to_string(node) +
                      ": " + diff);
    }
  }
  return out;
}

} // namespace caudal::sim::cluster
