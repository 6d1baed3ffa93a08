// Maths shared by the cross-entropy losses (Keras's backend binary_crossentropy,
// categorical_crossentropy, softmax and label handling), private to core/src/losses.
#pragma once

#include "kplug/tensor.hpp"
#include "util/keras_epsilon.hpp"

#include <cstdint>
#include <string_view>

namespace kplug::losses::detail {

// ValueError unless target and output have the same shape (Keras's message).
void require_same_shape(const Tensor& target, const Tensor& output);

// ValueError unless `output` has a non-empty class axis `axis` (normalised and returned).
std::int64_t require_class_axis(const Tensor& output, std::int64_t axis);

// -[t log p + (1 - t) log(1 - p)] element-wise. Probabilities are clipped; logits use
// max(x, 0) - x t + log(1 + exp(-|x|)), which neither overflows nor saturates.
Tensor elementwise_binary_crossentropy(const Tensor& target, const Tensor& output, bool from_logits);

// y (1 - ls) + 0.5 ls: binary labels squeezed towards 0.5.
Tensor smooth_binary_labels(const Tensor& y_true, double label_smoothing);
// y (1 - ls) + ls / num_classes, num_classes being the length of the class axis.
Tensor smooth_categorical_labels(const Tensor& y_true, double label_smoothing, std::int64_t axis);

// Softmax and log-softmax along `axis`, shifted by the maximum for stability.
Tensor softmax(const Tensor& logits, std::int64_t axis);
Tensor log_softmax(const Tensor& logits, std::int64_t axis);

// p / sum(p, axis), clipped to [epsilon, 1 - epsilon]: Keras's "output is normalised" step.
Tensor normalized_clipped_probabilities(const Tensor& probabilities, std::int64_t axis);

// log of the class probabilities: log_softmax of logits, or log of the normalised, clipped
// probabilities.
Tensor categorical_log_probabilities(const Tensor& y_pred, bool from_logits, std::int64_t axis);

// An integer class id in [0, num_classes) read from a float label; ValueError naming the
// value otherwise.
std::int64_t class_id(float label, std::int64_t num_classes);

// Argument checks, ValueError naming the argument (finiteness: checks::require_finite).
double validate_label_smoothing(double label_smoothing);
double validate_gamma(double gamma);

}  // namespace kplug::losses::detail
