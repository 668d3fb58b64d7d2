#pragma once
// Decoding what a Fetch returned into (offset, key, value) records, shared by
// plain consumers, group members and the final verifier.

#include <cstdint>
#include <functional>
#include <string>

#include "protocol/bytes.h"

namespace caudal::sim {

struct stored_record;

/// Calls `fn(offset, record)` for every record of every complete batch in
/// `records` (a fetch may end with a partial batch: not an error). Returns
/// "" or what was malformed.
std::string for_each_record(const protocol::byte_buffer& records,
                            const std::function<void(int64_t, stored_record&&)>& fn);

} // namespace caudal::sim
