#pragma once
// The fuzz entry points, shared by the libFuzzer targets (fuzz_*.cpp) and the
// deterministic smoke test that ctest always runs (test_fuzz_smoke.cpp).
// Each must accept any bytes without crashing; a broken invariant aborts.

#include <cstdint>
#include <span>

namespace caudal::fuzz {

/// Returns how many batches passed validate_batch (for the smoke test's
/// check that mutations reach both the accepting and the rejecting paths).
/// split_batches, then validate_batch / decode_records / visit_records on
/// each batch; then the whole input as one batch with length and CRC fixed
/// up (so mutations reach the record parser and the codecs), checking that a
/// valid batch decodes and re-encodes to an equal, valid batch.
int batch_one_input(std::span<const uint8_t> data);

/// A frame payload: request header decode, then the body decoded as the
/// request its api key names (for the main client-facing APIs); decodable
/// headers and bodies must re-encode and decode to themselves. Returns 1 if
/// a body decoded, else 0.
int frame_one_input(std::span<const uint8_t> data);

/// Aborts (what libFuzzer and the smoke test detect) when `ok` is false.
void require(bool ok, const char* what);

} // namespace caudal::fuzz
