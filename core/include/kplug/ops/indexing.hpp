// Gathering, selecting and comparing: what embeddings, masks and recurrent loops need
// (keras.ops take, where, flip, not_equal, any).
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// Rows of `table` (any rank >= 1, any dtype) picked by integer `indices` along axis 0:
// out.shape = indices.shape + table.shape[1:]. An index outside [0, table.dim(0)) is a
// ValueError naming `what`, the index, its position and the valid range (never a wrap).
Tensor take(const Tensor& table, const Tensor& indices, std::string_view what = "take");

// where(cond, x, y) is in ops/normalization.hpp (numpy's: all three broadcast).

// Reverses the order of the elements along one axis (a copy; any dtype).
Tensor flip(const Tensor& x, std::int64_t axis);

// x != value element-wise, as a bool tensor (any numeric dtype; integers compared exactly).
Tensor not_equal(const Tensor& x, double value);

// Logical or over one axis of a bool (or numeric: nonzero = true) tensor, as a bool tensor.
Tensor any(const Tensor& x, std::int64_t axis, bool keepdims = false);

// numpy backend's one_hot: a float32 tensor of shape indices.shape + (depth,), 1 at each
// index; a negative index gives a row of zeros; an index >= depth is a ValueError naming
// `what`. Indices of any integer dtype (or integral floats).
Tensor one_hot(const Tensor& indices, std::int64_t depth, std::string_view what = "one_hot");

}  // namespace kplug::ops
#pragma GCC visibility pop
