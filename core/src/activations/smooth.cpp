// Smooth element-wise keras.activations: the sigmoid and exponential families, gelu,
// the elu family, squareplus. Formulas follow the Keras 3 numpy backend, written in
// forms that do not overflow for large |x| where the plain formula would.
#include "activations/elementwise.hpp"
#include "kplug/activations.hpp"

#include <cmath>
#include <numbers>

namespace kplug::activations {

using detail::map_elements;
using ops::stable_sigmoid;

namespace {

float elu_value(float v, float alpha) { return v >= 0.0f ? v : alpha * std::expm1(v); }

}  // namespace

Tensor sigmoid(const Tensor& x) { return ops::sigmoid(x); }

Tensor tanh(const Tensor& x) { return ops::tanh(x); }

Tensor exponential(const Tensor& x) { return ops::exp(x); }  // overflows to inf, as numpy

// numpy's logaddexp(x, 0) = max(x, 0) + log1p(exp(-|x|)); NaN stays NaN.
Tensor softplus(const Tensor& x) { return ops::softplus(x); }

Tensor log_sigmoid(const Tensor& x) {
  return map_elements(x, [](float v) { return -ops::softplus(-v); });
}

Tensor softsign(const Tensor& x) {
  return map_elements(x, [](float v) { return v / (1.0f + std::abs(v)); });
}

Tensor silu(const Tensor& x) {
  return map_elements(x, [](float v) { return v * stable_sigmoid(v); });
}

Tensor mish(const Tensor& x) {
  return map_elements(x, [](float v) { return v * std::tanh(ops::softplus(v)); });
}

Tensor gelu(const Tensor& x, bool approximate) {
  if (approximate) {
    // Computed in double so that x^3 cannot overflow for large finite x.
    return map_elements(x, [](float v) {
      const double d = v;
      const double inner = std::sqrt(2.0 / std::numbers::pi) * (d + 0.044715 * d * d * d);
      return static_cast<float>(0.5 * d * (1.0 + std::tanh(inner)));
    });
  }
  return map_elements(x, [](float v) {
    const double d = v;
    return static_cast<float>(d * (std::erf(d / std::numbers::sqrt2) + 1.0) / 2.0);
  });
}

Tensor elu(const Tensor& x, float alpha) {
  detail::require_finite("elu", "alpha", alpha);
  return map_elements(x, [alpha](float v) { return elu_value(v, alpha); });
}

Tensor selu(const Tensor& x) {
  // Keras's constants (Klambauer et al.), rounded to float32 as the numpy backend does.
  constexpr float alpha = static_cast<float>(1.6732632423543772848170429916717);
  constexpr float scale = static_cast<float>(1.0507009873554804934193349852946);
  return map_elements(x, [](float v) { return scale * elu_value(v, alpha); });
}

Tensor celu(const Tensor& x, float alpha) {
  // alpha = 0 divides by zero and a negative alpha turns the decay into growth.
  detail::require_non_negative("celu", "alpha", alpha, /*strict=*/true);
  return map_elements(x, [alpha](float v) {
    if (std::isnan(v)) return v;
    return (v > 0.0f ? v : 0.0f) + alpha * std::expm1((v < 0.0f ? v : 0.0f) / alpha);
  });
}

Tensor squareplus(const Tensor& x, float b) {
  // A negative b makes sqrt(x^2 + b) NaN near 0.
  detail::require_non_negative("squareplus", "b", b);
  const float root_b = std::sqrt(b);
  return map_elements(x, [b, root_b](float v) {
    // hypot does not overflow where x^2 would; for x < 0 the conjugate form
    // b / (2 (sqrt(x^2 + b) - x)) avoids cancelling x against the root.
    const float root = std::hypot(v, root_b);
    if (v >= 0.0f || std::isnan(v)) return v / 2.0f + root / 2.0f;
    return b / (2.0f * (root - v));
  });
}

Tensor tanh_shrink(const Tensor& x) {
  return map_elements(x, [](float v) { return v - std::tanh(v); });
}

}  // namespace kplug::activations
