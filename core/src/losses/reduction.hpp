// Keras's loss reduction (losses/loss.py: reduce_weighted_values, reduce_values).
#pragma once

#include "kplug/tensor.hpp"

#include <string>
#include <string_view>

namespace kplug::detail {

// Checks a reduction name; null in a config means "none". Throws ValueError listing the valid ones.
std::string standardize_reduction(std::string_view reduction);

// Keras's apply_mask: a loss mask (1 keep, 0 drop) merged into the sample weights. Under
// "sum_over_batch_size" and "mean", kept entries weigh total / (kept + epsilon), so the
// mean runs over the kept entries only.
Tensor merge_mask_into_weights(const Tensor& mask, const Tensor* sample_weight, std::string_view reduction);

// values * sample_weight (ranks squeezed or expanded to match), then reduced.
Tensor reduce_weighted_values(const Tensor& values, const Tensor* sample_weight, std::string_view reduction);

}  // namespace kplug::detail
