// Axis manipulation. Views (reshape, flatten, expand_dims, squeeze) are Tensor members
// and O(1); these copy, as a strided copy blocked on the inner dimension.
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// out.shape[i] = x.shape[perm[i]]; any dtype. memcpy of whole rows when the last axis stays.
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& perm);
// Reverses the axes (numpy's transpose without axes).
Tensor transpose(const Tensor& x);
// Moves axis `source` to position `destination`.
Tensor moveaxis(const Tensor& x, std::int64_t source, std::int64_t destination);
// Joins along an existing axis; any dtype, all equal.
Tensor concatenate(const std::vector<Tensor>& xs, std::int64_t axis);
// Joins along a new axis.
Tensor stack(const std::vector<Tensor>& xs, std::int64_t axis);
// Elements [start, stop) along one axis (a copy).
Tensor slice_axis(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t stop);
// Zero (or `value`) padding: pads[i] = {before, after} for axis i.
Tensor pad(const Tensor& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pads, float value = 0.0f);

}  // namespace kplug::ops
#pragma GCC visibility pop
