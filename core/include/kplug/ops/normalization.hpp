// Normalization kernels as Keras's numpy backend computes them (moments_from_squares as
// E[x^2] - E[x]^2, batch_normalization as x * inv + (offset - mean * inv)), and numpy's
// where. float32 in and out.
#pragma once

#include "kplug/ops/nn.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::ops {

// Keras's numpy-backend moments: mean(x) and mean(x^2) - mean(x)^2 over `axes`, keeping
// the reduced axes (length 1). ops::moments (nn.hpp) is the two-pass form.
Moments moments_from_squares(const Tensor& x, const Axes& axes);

// Keras's batch_normalization: inv = scale / sqrt(variance + epsilon) and
// x * inv + (offset - mean * inv), with mean, variance, offset and scale 1-D along `axis`
// (offset and scale may be null: 0 and 1). ValueError when a parameter's length is not x's
// length on that axis.
Tensor batch_normalization(const Tensor& x, const Tensor& mean, const Tensor& variance, std::int64_t axis,
                           const Tensor* offset, const Tensor* scale, float epsilon);
// batch_normalization's inv and (offset - mean * inv), 1-D, as it computes them: the whole
// normalization is then x * inv + shift along the axis (kernels::scale_shift_rows).
struct BatchNormScaleShift {
  Tensor inv, shift;
};
BatchNormScaleShift batch_normalization_scale_shift(const Tensor& mean, const Tensor& variance, const Tensor* offset,
                                                    const Tensor* scale, float epsilon);

// keras.ops.normalize(order=2): x * rsqrt(max(sum(x^2 over axes), epsilon^2)).
// (ops::l2_normalize in nn.hpp is tf.nn's form, which clamps at epsilon, not epsilon^2.)
Tensor normalize(const Tensor& x, const Axes& axes, float epsilon);

// keras.ops.rms_normalization: x * rsqrt(mean(x^2 over axes) + epsilon), times `scale`
// (numpy broadcasting) when given.
Tensor rms_normalization(const Tensor& x, const Axes& axes, float epsilon, const Tensor* scale = nullptr);

// numpy's x / norm(x) along one axis, a zero norm read as 1 (keras.utils.normalize on
// arrays, which Dot(normalize=True) uses).
Tensor divide_by_norm(const Tensor& x, std::int64_t axis);

// numpy's where: x where condition is non-zero, else y; all three broadcast together.
// The condition may have any dtype.
Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y);

}  // namespace kplug::ops

#pragma GCC visibility pop
