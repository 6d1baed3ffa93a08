#include "kplug/ops/normalization.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/kernels.hpp"

#include <Eigen/Core>

#include <cmath>
#include <string>
#include <utility>

namespace kplug::ops {

Moments moments_from_squares(const Tensor& x, const Axes& axes) {
  Tensor m = mean(x, axes, true);
  Tensor variance = subtract(mean(square(x), axes, true), square(m));
  return {std::move(m), std::move(variance)};
}

Tensor batch_normalization(const Tensor& x, const Tensor& mean, const Tensor& variance, std::int64_t axis,
                           const Tensor* offset, const Tensor* scale, float epsilon) {
  const std::int64_t a = x.normalize_axis(axis);
  const std::int64_t n = x.shape()[static_cast<std::size_t>(a)];
  Shape shape(static_cast<std::size_t>(x.rank()), 1);
  shape[static_cast<std::size_t>(a)] = n;
  for (const auto& [given, what] :
       {std::pair{&mean, "mean"}, {&variance, "variance"}, {offset, "offset"}, {scale, "scale"}}) {
    if (given && given->size() != n) {
      throw ValueError(std::string("batch_normalization: ") + what + " has " + std::to_string(given->size()) +
                       " values, input axis " + std::to_string(a) + " has " + std::to_string(n));
    }
  }
  const BatchNormScaleShift p = batch_normalization_scale_shift(mean, variance, offset, scale, epsilon);
  return add(multiply(x, p.inv.reshape(shape)), p.shift.reshape(shape));
}

BatchNormScaleShift batch_normalization_scale_shift(const Tensor& mean, const Tensor& variance, const Tensor* offset,
                                                    const Tensor* scale, float epsilon) {
  const Shape line{mean.size()};
  Tensor inv = reciprocal(sqrt(add(variance.reshape(line), epsilon)));
  if (scale) inv = multiply(inv, scale->reshape(line));
  Tensor shift = multiply(negative(mean.reshape(line)), inv);
  if (offset) shift = add(shift, offset->reshape(line));
  return {std::move(inv), std::move(shift)};
}

Tensor normalize(const Tensor& x, const Axes& axes, float epsilon) {
  const Tensor square_sum = sum(square(x), axes, true);
  const float floor_value = epsilon * epsilon;
  return multiply(x, rsqrt(square_sum.map([floor_value](float v) { return v < floor_value ? floor_value : v; })));
}

Tensor rms_normalization(const Tensor& x, const Axes& axes, float epsilon, const Tensor* scale) {
  Tensor out = multiply(x, rsqrt(add(mean(square(x), axes, true), epsilon)));
  if (scale) out = multiply(out, *scale);
  return out;
}

Tensor divide_by_norm(const Tensor& x, std::int64_t axis) {
  const Tensor norm = sqrt(sum(square(x), axis, true));
  return divide(x, norm.map([](float v) { return v == 0.0f ? 1.0f : v; }));
}

Tensor where(const Tensor& condition, const Tensor& x, const Tensor& y) {
  const Shape shape = ops::broadcast_shapes(ops::broadcast_shapes(condition.shape(), x.shape()), y.shape());
  const Tensor c =
      broadcast_to(condition.dtype() == DType::float32 ? condition : condition.astype(DType::float32), shape);
  const Tensor bx = broadcast_to(x, shape);
  const Tensor by = broadcast_to(y, shape);
  Tensor out = Tensor::empty(shape);
  const float* pc = c.data();
  const float* px = bx.data();
  const float* py = by.data();
  float* po = out.data();
  for (std::int64_t i = 0; i < out.size(); ++i) po[i] = pc[i] != 0.0f ? px[i] : py[i];
  return out;
}

}  // namespace kplug::ops

namespace kplug::ops::kernels {

void layer_norm_rows(const float* x, float* out, std::int64_t rows, std::int64_t cols, float epsilon,
                     const float* gamma, const float* beta) {
  using Row = Eigen::Map<const Eigen::ArrayXf>;
  const float n = static_cast<float>(cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    const Row v(x + r * cols, cols);
    Eigen::Map<Eigen::ArrayXf> o(out + r * cols, cols);
    const float mean = v.sum() / n;
    const float variance = v.square().sum() / n - mean * mean;
    const float inv = 1.0f / std::sqrt(variance + epsilon);
    if (gamma && beta) {
      const Row g(gamma, cols), b(beta, cols);
      o = v * (g * inv) + (b - mean * (g * inv));
    } else if (gamma) {
      const Row g(gamma, cols);
      o = v * (g * inv) - mean * (g * inv);
    } else if (beta) {
      o = v * inv + (Row(beta, cols) - mean * inv);
    } else {
      o = v * inv - mean * inv;
    }
  }
}

}  // namespace kplug::ops::kernels
