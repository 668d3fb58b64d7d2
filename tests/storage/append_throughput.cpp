// Not a test: measures partition_log::append throughput on real files
// (1 KiB records batched into ~16 KiB batches). Usage:
//   storage_append_throughput [dir] [megabytes] [flush_every_append 0|1]
// Wall-clock time is fine here: this is a benchmark main(), not logic.

#include "protocol/record_builder.h"
#include "storage/partition_log.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

using namespace caudal;

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "/tmp/caudal-append-bench";
  int64_t megabytes = argc > 2 ? std::atoll(argv[2]) : 512;
  bool flush_each = argc > 3 && std::atoi(argv[3]) != 0;
  std::filesystem::remove_all(dir);
  storage::posix_filesystem fs;
  storage::log_config cfg;
  if (flush_each) cfg.flush_messages = 1;
  auto log = storage::partition_log::open(fs, dir, cfg, 0);
  if (!log) return fmt::print(stderr, "open: {}\n", log.error().message), 1;
  protocol::batch_builder b;
  std::string value(1024 - 16, 'v');
  for (int i = 0; i < 16; ++i) b.add_text(1700000000000 + i, fmt::format("key-{:08d}", i), value);
  auto batch = b.build();
  int64_t batches = megabytes * 1024 * 1024 / static_cast<int64_t>(batch.size());
  auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < batches; ++i) {
    auto copy = batch; // append rewrites in place, as it would a request buffer
    auto r = (*log)->append(copy, 1, i);
    if (!r) return fmt::print(stderr, "append: {}\n", r.error().message), 1;
  }
  auto flushed = (*log)->flush();
  if (!flushed) return fmt::print(stderr, "flush: {}\n", flushed.error().message), 1;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double mb = static_cast<double>(batches) * static_cast<double>(batch.size()) / (1024.0 * 1024.0);
  fmt::print("{} batches of {} bytes ({:.0f} MiB) in {:.2f} s: {:.1f} MiB/s, {:.0f} records/s{}\n",
             batches, batch.size(), mb, secs, mb / secs, static_cast<double>(batches) * 16 / secs,
             flush_each ? " (fsync per append)" : " (one fsync at the end)");
  // Then read it all back in 1 MiB fetches (page cache warm, as for a tailing consumer).
  start = std::chrono::steady_clock::now();
  int64_t offset = 0;
  size_t bytes_read = 0;
  while (offset < (*log)->log_end_offset()) {
    auto r = (*log)->read(offset, 1 << 20);
    if (!r) return fmt::print(stderr, "read: {}\n", r.error().message), 1;
    bytes_read += r->bytes.size();
    offset = r->next_offset;
  }
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("read back {:.0f} MiB in 1 MiB fetches in {:.2f} s: {:.1f} MiB/s\n",
             static_cast<double>(bytes_read) / (1024.0 * 1024.0), secs,
             static_cast<double>(bytes_read) / (1024.0 * 1024.0) / secs);
  std::filesystem::remove_all(dir);
  return 0;
}
