// libFuzzer target: RecordBatch splitting, validation and decoding.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  caudal::fuzz::batch_one_input({data, size});
  return 0;
}
