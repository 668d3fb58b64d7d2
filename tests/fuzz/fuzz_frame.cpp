// libFuzzer target: request header and request body decoding (the payload
// of one frame, without its size prefix).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  caudal::fuzz::frame_one_input({data, size});
  return 0;
}
