// The variables of Keras's _int4_build for a Dense-like kernel flattened to [rows, columns]
// (Dense: [input_dim, units]; EinsumDense: reduced axes x the others), shared by both; and of
// _ternary_build (Dense, TernaryDense).
#pragma once

#include "kplug/layers/variable.hpp"

#include <cstdint>
#include <vector>

namespace kplug::layers::detail {

struct Int4Kernel {
  VariableSpec kernel;               // int8 [rows, ceil(columns / 2)], two values per byte
  std::vector<VariableSpec> others;  // kernel_scale; grouped (block > 0): kernel_zero, g_idx
};

// `block` > 0: groups of `block` rows, each with a scale and an int8 zero point per column, and
// g_idx = floor(row / block); otherwise one scale per column.
Int4Kernel int4_kernel(std::int64_t rows, std::int64_t columns, std::int64_t block);

// uint8 [ceil(rows / 5), columns], five trits a byte (all trit 0 until loaded), and a scalar
// kernel_scale of 1.
Int4Kernel ternary_kernel(std::int64_t rows, std::int64_t columns);

}  // namespace kplug::layers::detail
