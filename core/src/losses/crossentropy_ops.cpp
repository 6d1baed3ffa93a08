#include "losses/crossentropy_ops.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace kplug::losses::detail {

namespace {
std::string number_text(double v) {
  std::string s = std::to_string(v);
  // std::to_string writes six decimals; drop the trailing zeros for readable messages.
  if (s.find('.') != std::string::npos) {
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
  }
  return s;
}
}  // namespace

void require_same_shape(const Tensor& target, const Tensor& output) {
  if (target.shape() != output.shape()) {
    throw ValueError("Arguments `target` and `output` must have the same shape. Received: target.shape=" +
                     shape_to_string(target.shape()) + ", output.shape=" + shape_to_string(output.shape()));
  }
}

std::int64_t require_class_axis(const Tensor& output, std::int64_t axis) {
  if (output.rank() < 1) {
    throw ValueError("Argument `output` must be at least rank 1. Received: output.shape=" +
                     shape_to_string(output.shape()));
  }
  const std::int64_t a = output.normalize_axis(axis);
  if (output.dim(a) == 0) {
    throw ValueError("Argument `output` has no classes along axis " + std::to_string(axis) +
                     ": output.shape=" + shape_to_string(output.shape()));
  }
  return a;
}

Tensor elementwise_binary_crossentropy(const Tensor& target, const Tensor& output, bool from_logits) {
  require_same_shape(target, output);
  if (from_logits) {
    return ops::binary(target, output, [](float t, float x) {
      return ops::softplus(x) - x * t;  // max(x, 0) - x t + log(1 + exp(-|x|))
    });
  }
  return ops::binary(target, output, [](float t, float p) {
    const float clipped = std::min(std::max(p, kKerasEpsilon), 1.0f - kKerasEpsilon);
    return -(t * std::log(clipped) + (1.0f - t) * std::log(1.0f - clipped));
  });
}

Tensor smooth_binary_labels(const Tensor& y_true, double label_smoothing) {
  if (label_smoothing == 0.0) return y_true;
  const float ls = static_cast<float>(label_smoothing);
  return y_true * (1.0f - ls) + 0.5f * ls;
}

Tensor smooth_categorical_labels(const Tensor& y_true, double label_smoothing, std::int64_t axis) {
  if (label_smoothing == 0.0) return y_true;
  const float ls = static_cast<float>(label_smoothing);
  const float num_classes = static_cast<float>(y_true.dim(axis));
  return y_true * (1.0f - ls) + ls / num_classes;
}

Tensor softmax(const Tensor& logits, std::int64_t axis) { return ops::softmax(logits, axis); }

Tensor log_softmax(const Tensor& logits, std::int64_t axis) { return ops::log_softmax(logits, axis); }

Tensor normalized_clipped_probabilities(const Tensor& probabilities, std::int64_t axis) {
  return (probabilities / probabilities.sum(axis, true)).clip(kKerasEpsilon, 1.0f - kKerasEpsilon);
}

Tensor categorical_log_probabilities(const Tensor& y_pred, bool from_logits, std::int64_t axis) {
  if (from_logits) return log_softmax(y_pred, axis);
  return normalized_clipped_probabilities(y_pred, axis).log();
}

std::int64_t class_id(float label, std::int64_t num_classes) {
  if (!std::isfinite(label) || std::trunc(label) != label || label < 0 ||
      static_cast<double>(label) >= static_cast<double>(num_classes)) {
    throw ValueError("Invalid class id in `y_true`: " + number_text(label) + ". Expected an integer in [0, " +
                     std::to_string(num_classes) + ")");
  }
  return static_cast<std::int64_t>(label);
}

double validate_label_smoothing(double label_smoothing) {
  if (!std::isfinite(label_smoothing) || label_smoothing < 0.0 || label_smoothing > 1.0) {
    throw ValueError(
        "Invalid value for argument `label_smoothing`: expected a float in [0, 1]. Received: "
        "label_smoothing=" +
        number_text(label_smoothing));
  }
  return label_smoothing;
}

double validate_gamma(double gamma) {
  if (!std::isfinite(gamma) || gamma < 0.0) {
    throw ValueError("Invalid value for argument `gamma`: expected a non-negative float. Received: gamma=" +
                     number_text(gamma));
  }
  return gamma;
}

}  // namespace kplug::losses::detail
