#pragma once
// Helpers shared by the storage tests: batches built with the protocol's
// batch_builder, and a temporary directory removed at the end.

#include "protocol/record_batch.h"
#include "protocol/record_builder.h"
#include "storage/partition_log.h"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

BOOST_TEST_DONT_PRINT_LOG_VALUE(caudal::protocol::batch_error)
BOOST_TEST_DONT_PRINT_LOG_VALUE(caudal::storage::errc)

namespace caudal::storage::test {

/// A batch of `records` records with timestamps ts, ts+1, ... and values of `value_size` bytes.
inline std::vector<uint8_t> make_batch(int records, int64_t ts, size_t value_size = 16) {
  protocol::batch_builder b;
  for (int i = 0; i < records; ++i) {
    std::string value(value_size, static_cast<char>('a' + i % 26));
    b.add_text(ts + i, "k" + std::to_string(i), value);
  }
  return b.build();
}

/// Every batch of the log, read in order from the log start.
inline std::vector<protocol::batch_header> read_all(partition_log& log) {
  std::vector<protocol::batch_header> out;
  int64_t offset = log.log_start_offset();
  while (offset < log.log_end_offset()) {
    auto r = log.read(offset, 1 << 20);
    BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    BOOST_REQUIRE(!r->bytes.empty());
    std::vector<protocol::batch_span> spans;
    BOOST_REQUIRE(protocol::split_batches(r->bytes, spans) == protocol::batch_error::none);
    for (const auto& s : spans) {
      auto one = std::span<const uint8_t>(r->bytes).subspan(s.position, s.size());
      BOOST_REQUIRE(protocol::check_batch_integrity(one) == protocol::batch_error::none);
      out.push_back(s.header);
    }
    offset = r->next_offset;
  }
  return out;
}

/// Batches must be contiguous from the log start to the log end.
inline void check_contiguous(partition_log& log) {
  auto all = read_all(log);
  int64_t expect = all.empty() ? log.log_end_offset() : all.front().base_offset;
  for (const auto& h : all) {
    BOOST_REQUIRE_EQUAL(h.base_offset, expect);
    expect = h.last_offset() + 1;
  }
  BOOST_REQUIRE_EQUAL(expect, log.log_end_offset());
}

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/caudal-storage-XXXXXX";
    char* p = ::mkdtemp(tmpl);
    BOOST_REQUIRE(p != nullptr);
    path = p;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

template <class T>
T must(result<T> r) {
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string{} : r.error().message));
  return std::move(r).value();
}

inline void must(status st) {
  BOOST_REQUIRE_MESSAGE(st.has_value(), (st ? std::string{} : st.error().message));
}

} // namespace caudal::storage::test
