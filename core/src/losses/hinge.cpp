// Hinge, SquaredHinge and CategoricalHinge (maximum-margin losses).
#include "kplug/errors.hpp"
#include "kplug/losses/regression.hpp"

#include "losses/regression_math.hpp"

#include <algorithm>

namespace kplug::losses {

namespace {
// Keras's convert_binary_labels_to_hinge: labels that are all 0 or 1 become -1 or 1;
// any other labels are used as they are.
Tensor to_hinge_labels(const Tensor& y_true) {
  const auto values = y_true.values();
  const bool binary = std::all_of(values.begin(), values.end(), [](float v) { return v == 0.0f || v == 1.0f; });
  return binary ? 2.0f * y_true - 1.0f : y_true;
}

Tensor margin_violation(const Tensor& y_true, const Tensor& y_pred) {
  return maximum(1.0f - to_hinge_labels(y_true) * y_pred, 0.0f);
}
}  // namespace

Tensor hinge(const Tensor& y_true, const Tensor& y_pred) {
  return detail::mean_last_axis(margin_violation(y_true, y_pred), "hinge");
}

Tensor squared_hinge(const Tensor& y_true, const Tensor& y_pred) {
  return detail::mean_last_axis(margin_violation(y_true, y_pred).square(), "squared_hinge");
}

Tensor categorical_hinge(const Tensor& y_true, const Tensor& y_pred) {
  const Tensor positive = y_true * y_pred;
  const Tensor negative = (1.0f - y_true) * y_pred;
  if (positive.rank() == 0) throw ValueError("categorical_hinge: expected inputs of rank >= 1, got scalars");
  if (positive.dim(-1) == 0) throw ValueError("categorical_hinge: the class axis is empty");
  return maximum(negative.max(-1) - positive.sum(-1) + 1.0f, 0.0f);
}

Tensor Hinge::compute(const Tensor& y_true, const Tensor& y_pred) const { return hinge(y_true, y_pred); }
Tensor SquaredHinge::compute(const Tensor& y_true, const Tensor& y_pred) const { return squared_hinge(y_true, y_pred); }
Tensor CategoricalHinge::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_hinge(y_true, y_pred);
}

}  // namespace kplug::losses
