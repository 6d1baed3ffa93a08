// A dataset read in the dtype kplug loads it as (what both the host and the reader process do).
#pragma once

#include "kplug/dtype.hpp"
#include "kplug/saving/h5_reader.hpp"

#include <cstddef>
#include <span>

namespace kplug::saving::detail {

// The kplug dtype a dataset of `dtype` loads as: floats -> float32, integers and bool kept.
inline DType loaded_dtype(DType dtype) noexcept { return is_floating(dtype) ? DType::float32 : dtype; }

// Reads a dataset into `destination` (its loaded_dtype bytes): float32, integers and bool
// straight from HDF5, other floats through a float32 conversion.
void read_loaded(const h5::WeightsReader& reader, const h5::DatasetInfo& info, std::span<std::byte> destination);

}  // namespace kplug::saving::detail
