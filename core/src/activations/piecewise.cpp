// keras.activations made of linear pieces: the relu family, the hard_* approximations,
// the shrink and threshold functions and the sparse_* functions. Formulas follow the
// Keras 3 numpy backend; where Keras's `where` would turn a NaN input into a constant
// (hard_shrink, soft_shrink, threshold) the NaN is kept instead.
#include "activations/elementwise.hpp"
#include "kplug/activations.hpp"
#include "kplug/ops/kernels.hpp"

#include <cmath>

namespace kplug::activations {

using detail::clip;
using detail::map_elements;

Tensor linear(const Tensor& x) { return x; }

Tensor relu(const Tensor& x, float negative_slope, std::optional<float> max_value, float threshold) {
  detail::require_finite("relu", "negative_slope", negative_slope);
  detail::require_finite("relu", "threshold", threshold);
  // A negative cap would make clip(x, 0, max_value) return max_value everywhere.
  if (max_value) detail::require_non_negative("relu", "max_value", *max_value);
  if (negative_slope != 0.0f && !max_value && threshold == 0.0f) return leaky_relu(x, negative_slope);
  // Plain relu (the common case): the vectorised op, not the general per-element branches.
  if (negative_slope == 0.0f && !max_value && threshold == 0.0f && x.dtype() == DType::float32) {
    return ops::unary(x, ops::UnaryOp::relu);
  }

  const float* in = x.data();  // float32 only, as map_elements
  Tensor out = Tensor::empty(x.shape());
  ops::kernels::relu(in, out.data(), x.size(), negative_slope, max_value, threshold);
  return out;
}

Tensor leaky_relu(const Tensor& x, float negative_slope) {
  detail::require_finite("leaky_relu", "negative_slope", negative_slope);
  // The definition (jax, torch, tensorflow), not numpy's maximum(x, slope * x), which
  // differs for slopes above 1.
  return map_elements(x, [negative_slope](float v) { return v >= 0.0f || std::isnan(v) ? v : negative_slope * v; });
}

Tensor relu6(const Tensor& x) {
  return map_elements(x, [](float v) { return clip(v, 0.0f, 6.0f); });
}

Tensor hard_sigmoid(const Tensor& x) {
  return map_elements(x, [](float v) { return clip(v / 6.0f + 0.5f, 0.0f, 1.0f); });
}

Tensor hard_sigmoid_keras2(const Tensor& x) {
  return map_elements(x, [](float v) { return clip(0.2f * v + 0.5f, 0.0f, 1.0f); });
}

Tensor hard_silu(const Tensor& x) {
  return map_elements(x, [](float v) { return v * clip(v / 6.0f + 0.5f, 0.0f, 1.0f); });
}

Tensor hard_tanh(const Tensor& x) {
  return map_elements(x, [](float v) { return clip(v, -1.0f, 1.0f); });
}

Tensor hard_shrink(const Tensor& x, float threshold) {
  detail::require_non_negative("hard_shrink", "threshold", threshold);
  return map_elements(x, [threshold](float v) { return std::abs(v) > threshold || std::isnan(v) ? v : 0.0f; });
}

Tensor soft_shrink(const Tensor& x, float threshold) {
  // A negative threshold would make the two branches overlap.
  detail::require_non_negative("soft_shrink", "threshold", threshold);
  return map_elements(x, [threshold](float v) {
    if (v > threshold) return v - threshold;
    if (v < -threshold) return v + threshold;
    return std::isnan(v) ? v : 0.0f;
  });
}

Tensor threshold(const Tensor& x, float threshold, float default_value) {
  detail::require_finite("threshold", "threshold", threshold);
  detail::require_finite("threshold", "default_value", default_value);
  return map_elements(x, [=](float v) { return v > threshold || std::isnan(v) ? v : default_value; });
}

Tensor sparse_plus(const Tensor& x) {
  return map_elements(x, [](float v) {
    if (v <= -1.0f) return 0.0f;
    if (v < 1.0f) return 0.25f * (v + 1.0f) * (v + 1.0f);
    return v;  // also NaN
  });
}

Tensor sparse_sigmoid(const Tensor& x) {
  return map_elements(x, [](float v) {
    if (v <= -1.0f) return 0.0f;
    if (v >= 1.0f) return 1.0f;
    return 0.5f * (v + 1.0f);  // also NaN
  });
}

}  // namespace kplug::activations
