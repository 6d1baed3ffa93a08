// Tensor maths shared by the regression-family losses (private to core/src/losses).
#pragma once

#include "kplug/ops.hpp"
#include "kplug/tensor.hpp"
#include "util/keras_epsilon.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace kplug::losses::detail {

// mean over the last axis, as ops.mean(x, axis=-1); a scalar has no axis to reduce.
Tensor mean_last_axis(const Tensor& x, const char* loss);

// Sum over `axes` (nullopt: every axis, giving a scalar), as ops.sum(x, axis=tuple).
// Axes may be negative; out-of-range or repeated axes throw ValueError.
Tensor sum_over_axes(const Tensor& x, const std::optional<std::vector<std::int64_t>>& axes);

// Keras's ops.nn.normalize(x, axis, order=2): x * min(rsqrt(sum(x^2, axis)), 1/eps).
Tensor l2_normalize(const Tensor& x, std::int64_t axis);

// log(1 + exp(x)) without overflow: the one copy is in ops.
using ops::softplus;

}  // namespace kplug::losses::detail
