#define BOOST_TEST_MODULE storage_log_fuzz
// Seeded random operations against a partition_log on mem_filesystem, checked
// after every step against a simple model (the list of batches it must hold),
// with clean restarts and simulated power losses in between. Every seed is
// deterministic; a failure names its seed and step.
#include "storage/mem_filesystem.h"
#include "test_util.h"

#include <fmt/format.h>

#include <deque>
#include <random>

using namespace caudal::storage;
using namespace caudal::storage::test;
namespace p = caudal::protocol;

namespace {

struct model_batch {
  int64_t base = 0;
  int64_t last = 0;
  std::vector<uint8_t> bytes;
};

struct fuzz {
  explicit fuzz(uint64_t seed) : rng(seed), seed(seed) {}

  std::mt19937_64 rng; // the engine is fully specified by the standard: same sequence everywhere
  uint64_t seed;
  mem_filesystem fs;
  log_config cfg;
  std::unique_ptr<partition_log> log;
  std::deque<model_batch> batches;
  int64_t start = 0;
  int64_t leo = 0;
  int64_t now = 1000;
  int step = 0;
  uint64_t last_op = 0;

  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng() % n; }
  std::string where() const {
    return "seed " + std::to_string(seed) + " step " + std::to_string(step) + " op " +
           std::to_string(last_op);
  }

  void open() {
    auto r = partition_log::open(fs, "/d/t-0", cfg, now);
    BOOST_REQUIRE_MESSAGE(r.has_value(), where() + ": " + (r ? "" : r.error().message));
    log = std::move(*r);
  }

  void append() {
    int count = 1 + static_cast<int>(below(3));
    std::vector<uint8_t> set;
    std::vector<size_t> sizes;
    for (int i = 0; i < count; ++i) {
      auto b = make_batch(1 + static_cast<int>(below(5)), now + static_cast<int64_t>(below(50)),
                          below(120));
      sizes.push_back(b.size());
      set.insert(set.end(), b.begin(), b.end());
    }
    auto r = log->append(set, 1, now);
    BOOST_REQUIRE_MESSAGE(r.has_value(), where() + ": " + (r ? "" : r.error().message));
    size_t pos = 0;
    for (auto size : sizes) {
      model_batch m;
      m.bytes.assign(set.begin() + static_cast<ptrdiff_t>(pos),
                     set.begin() + static_cast<ptrdiff_t>(pos + size));
      auto h = p::read_batch_header(m.bytes);
      m.base = h->base_offset;
      m.last = h->last_offset();
      BOOST_REQUIRE_MESSAGE(m.base == leo, where());
      leo = m.last + 1;
      batches.push_back(std::move(m));
      pos += size;
    }
  }

  const model_batch* containing(int64_t offset) const {
    for (const auto& b : batches)
      if (b.last >= offset) return &b;
    return nullptr;
  }

  void check_read() {
    if (leo == start) return;
    int64_t offset = start + static_cast<int64_t>(below(static_cast<uint64_t>(leo - start)));
    auto r = log->read(offset, below(3000));
    BOOST_REQUIRE_MESSAGE(r.has_value(), where() + ": " + (r ? "" : r.error().message));
    auto* b = containing(offset);
    BOOST_REQUIRE_MESSAGE(b != nullptr, where());
    BOOST_REQUIRE_MESSAGE(r->bytes.size() >= b->bytes.size(), where());
    BOOST_REQUIRE_MESSAGE(std::equal(b->bytes.begin(), b->bytes.end(), r->bytes.begin()), where());
  }

  /// The whole log equals the model.
  void check_all() {
    BOOST_REQUIRE_MESSAGE(log->log_start_offset() == start,
                          where() + " start " + std::to_string(log->log_start_offset()) + " vs " +
                              std::to_string(start));
    BOOST_REQUIRE_MESSAGE(log->log_end_offset() == leo, where() + " leo " +
                                                            std::to_string(log->log_end_offset()) +
                                                            " vs " + std::to_string(leo));
    int64_t offset = start;
    for (const auto& b : batches) {
      if (b.last < start) continue;
      auto r = log->read(offset, 1);
      BOOST_REQUIRE_MESSAGE(r.has_value(), where());
      BOOST_REQUIRE_MESSAGE(r->bytes == b.bytes, where());
      offset = b.last + 1;
    }
  }

  void drop_below_start() {
    while (!batches.empty() && batches.front().last < start) batches.pop_front();
  }

  void retention() {
    cfg.retention_ms = static_cast<int64_t>(below(2000));
    cfg.retention_bytes = below(2) ? static_cast<int64_t>(below(6000)) : -1;
    log->update_config(cfg);
    int64_t hw = below(2)
                     ? leo
                     : start + static_cast<int64_t>(below(static_cast<uint64_t>(leo - start + 1)));
    auto r = log->enforce_retention(now, hw);
    BOOST_REQUIRE_MESSAGE(r.has_value(), where());
    BOOST_REQUIRE_MESSAGE(log->log_start_offset() >= start, where());
    BOOST_REQUIRE_MESSAGE(log->log_start_offset() <= hw || *r == 0, where());
    start = log->log_start_offset();
    drop_below_start();
  }

  void delete_records() {
    int64_t offset = start + static_cast<int64_t>(below(static_cast<uint64_t>(leo - start + 1)));
    must(log->delete_records_before(offset));
    start = std::max(start, offset);
    drop_below_start();
  }

  void truncate() {
    int64_t offset = start + static_cast<int64_t>(below(static_cast<uint64_t>(leo - start + 1)));
    if (std::getenv("FUZZ_DEBUG")) {
      fmt::print("truncate {} start {} leo {} log leo {} batches:", offset, start, leo,
                 log->log_end_offset());
      for (auto& b : batches) fmt::print(" [{}..{}]", b.base, b.last);
      fmt::print("\n");
    }
    must(log->truncate_to(offset));
    if (offset <= start) {
      batches.clear();
      start = leo = offset;
      return;
    }
    // Whole batches go; if the cut batch straddles the start the log is left empty there.
    while (!batches.empty() && batches.back().last >= offset) batches.pop_back();
    leo = batches.empty() ? start : batches.back().last + 1;
    if (leo <= start) {
      batches.clear();
      leo = start;
    }
  }

  void power_loss() {
    int64_t synced = log->flushed_offset();
    int64_t old_leo = leo;
    log.reset();
    auto mode = below(2) ? crash_mode::lose_unsynced : crash_mode::random_prefix;
    fs.crash(mode, rng());
    open();
    int64_t new_leo = log->log_end_offset();
    // Everything fsynced survives; nothing appears that was never written; the
    // log start offset was checkpointed durably whenever it moved.
    BOOST_REQUIRE_MESSAGE(new_leo >= synced, where() + " lost synced data");
    BOOST_REQUIRE_MESSAGE(new_leo <= old_leo, where());
    BOOST_REQUIRE_MESSAGE(log->log_start_offset() == start, where());
    // Keep the model's prefix that survived.
    while (!batches.empty() && batches.back().base >= new_leo) batches.pop_back();
    BOOST_REQUIRE_MESSAGE(batches.empty() || batches.back().last + 1 == new_leo ||
                              new_leo == log->log_start_offset(),
                          where() + " cut inside a batch");
    if (new_leo == log->log_start_offset()) batches.clear();
    start = log->log_start_offset();
    leo = new_leo;
  }

  void run(int steps) {
    cfg.segment_bytes = 400 + static_cast<int64_t>(below(3000));
    cfg.index_interval_bytes = static_cast<int32_t>(below(500));
    cfg.retention_ms = -1;
    open();
    for (step = 0; step < steps; ++step) {
      now += static_cast<int64_t>(below(40));
      auto op = below(100);
      last_op = op;
      if (op < 45)
        append();
      else if (op < 60)
        check_read();
      else if (op < 66)
        must(log->flush());
      else if (op < 71)
        retention();
      else if (op < 75)
        delete_records();
      else if (op < 80)
        truncate();
      else if (op < 85) {
        must(log->close());
        log.reset();
        open();
      } else if (op < 90)
        power_loss();
      else {
        auto r = log->offset_for_timestamp(now - static_cast<int64_t>(below(500)));
        BOOST_REQUIRE_MESSAGE(r.has_value(), where());
        if (*r) BOOST_REQUIRE_MESSAGE((*r)->offset >= start && (*r)->offset < leo, where());
      }
      check_all();
    }
  }
};

} // namespace

BOOST_AUTO_TEST_CASE(random_operations_match_the_model) {
  // FUZZ_SEEDS=n explores more seeds by hand; ctest runs the first 60.
  uint64_t seeds =
      std::getenv("FUZZ_SEEDS") ? std::strtoull(std::getenv("FUZZ_SEEDS"), nullptr, 10) : 60;
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    fuzz f(seed);
    f.run(250);
  }
}
