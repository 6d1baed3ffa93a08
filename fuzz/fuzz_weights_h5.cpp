// libFuzzer target for the weights reader: any bytes as an in-memory HDF5 file, walked
// and read the way load_weights does. A kplug::Error is the expected outcome of bad
// input; anything else (a crash, a sanitizer report, another exception) is a finding.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "kplug/saving/h5_error.hpp"
#include "kplug/saving/h5_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kplug::h5;
  ReadLimits limits;
  limits.max_elements = std::uint64_t{1} << 24;  // the fuzzer's memory cap; the checks are the same
  try {
    const WeightsReader reader =
        WeightsReader::open_image(std::as_bytes(std::span<const std::uint8_t>(data, size)), "fuzz.weights.h5", limits);
    for (const char* object : {"", "layers/dense", "optimizer"}) {
      try {
        // No string_attribute(): libhdf5 1.10.8 allocates (up to 4 GiB) and walks a global heap
        // as a variable-length string's stored sizes say before checking them (fuzz/known/*vlen*);
        // loading weights never reads attributes, except bfloat16's marker.
        if (reader.has_vars(object)) {
          for (std::size_t i = 0; i < reader.vars_count(object) && i < 64; ++i) (void)reader.read_var(object, i);
        }
      } catch (const kplug::Error&) {
      }
    }
    for (const DatasetInfo& info : reader.walk()) {
      const Array array = reader.read(info.path);
      if (is_floating(array.dtype)) {
        (void)array.to_float32();
      } else {
        try {
          (void)array.to_int64();
        } catch (const kplug::ValueError&) {  // uint64 above INT64_MAX
        }
      }
    }
  } catch (const kplug::Error&) {
  }
  // HDF5 keeps freed blocks on its free lists; without this they pile up across inputs
  // until libFuzzer's RSS limit reports a false out-of-memory.
  H5garbage_collect();
  return 0;
}
