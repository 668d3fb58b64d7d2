#pragma once
// Snapshots of the metadata image (KRaft's metadata snapshots): the image at
// a committed offset, written as the metadata records that rebuild it, so a
// node loads the snapshot and replays only the log after it, and the log
// before it can be deleted. The same bytes are the file on disk and the
// payload a controller leader sends a follower that fell behind its log start.
//
// Layout (big-endian):
//   8 bytes  magic "CAUDSNAP"
//   int16    format version (1)
//   int64    end offset: the snapshot holds the records of [0, end offset)
//   int32    epoch of the last record it holds (-1: none)
//   int32    body length
//   uint32   CRC-32C of the fields from the version to the length, then the body
//   body     RecordBatches of metadata records (records.h), applied in order
// Decoding is strict: any damage (length, CRC, a bad batch or record) is an
// error, never a partial image.

#include <cstdint>
#include <span>
#include <vector>

#include "metadata/image.h"

namespace caudal::metadata {

struct snapshot_id {
  int64_t end_offset = 0;
  int32_t epoch = -1;
  bool operator==(const snapshot_id&) const = default;
  auto operator<=>(const snapshot_id&) const = default;
};

struct snapshot {
  snapshot_id id;
  image img;
};

/// Records that, applied in order to an empty image, give an image equal to `img`.
std::vector<record> image_records(const image& img);

/// The snapshot file/payload of `img` at `id`; records stamped `timestamp_ms`.
protocol::byte_buffer encode_snapshot(const image& img, snapshot_id id, int64_t timestamp_ms);

/// The snapshot id alone (header checks only: magic, version, lengths).
result<snapshot_id> peek_snapshot_id(std::span<const uint8_t> bytes);

/// The whole snapshot; fails on any damage.
result<snapshot> decode_snapshot(std::span<const uint8_t> bytes);

} // namespace caudal::metadata
