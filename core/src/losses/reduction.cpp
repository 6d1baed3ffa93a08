#include "losses/reduction.hpp"

#include "kplug/errors.hpp"
#include "kplug/losses.hpp"
#include "util/keras_epsilon.hpp"

#include <array>

namespace kplug {

void squeeze_or_expand_to_same_rank(Tensor& a, Tensor& b) {
  const auto drop_last = [](const Tensor& t) { return t.reshape(Shape(t.shape().begin(), t.shape().end() - 1)); };
  const auto add_last = [](const Tensor& t) {
    Shape s = t.shape();
    s.push_back(1);
    return t.reshape(s);
  };
  if (a.rank() == b.rank() + 1 && a.dim(-1) == 1) {
    if (b.rank() == 1)
      b = add_last(b);
    else
      a = drop_last(a);
  } else if (b.rank() == a.rank() + 1 && b.dim(-1) == 1) {
    if (a.rank() == 1)
      a = add_last(a);
    else
      b = drop_last(b);
  }
}

namespace detail {
namespace {

constexpr std::array<std::string_view, 5> kReductions = {"sum_over_batch_size", "sum", "mean",
                                                         "mean_with_sample_weight", "none"};

}  // namespace

std::string standardize_reduction(std::string_view reduction) {
  for (std::string_view r : kReductions) {
    if (r == reduction) return std::string(r);
  }
  throw ValueError(
      "Invalid value for argument `reduction`. Expected one of {'sum_over_batch_size', 'sum', "
      "'mean', 'mean_with_sample_weight', 'none', None}. Received: reduction=" +
      std::string(reduction));
}

Tensor merge_mask_into_weights(const Tensor& mask, const Tensor* sample_weight, std::string_view reduction) {
  Tensor weights = mask;
  if (reduction == "sum_over_batch_size" || reduction == "mean") {
    weights = weights * (static_cast<float>(weights.size()) / (weights.sum() + kKerasEpsilon));
  }
  if (!sample_weight) return weights;
  Tensor given = *sample_weight;
  squeeze_or_expand_to_same_rank(weights, given);
  return given * weights;
}

Tensor reduce_weighted_values(const Tensor& values, const Tensor* sample_weight, std::string_view reduction) {
  const std::string r = standardize_reduction(reduction);
  Tensor weighted = values;
  Tensor weights;
  if (sample_weight) {
    weights = *sample_weight;
    squeeze_or_expand_to_same_rank(weighted, weights);
    weighted = weighted * weights;
  }
  // Keras returns scalars, empty batches and "none" unreduced.
  if (r == "none" || weighted.rank() == 0 || (weighted.rank() == 1 && weighted.dim(0) == 0)) return weighted;
  float loss = weighted.sum();
  if (r != "sum") {
    float divisor = static_cast<float>(weighted.size());
    if (r == "mean_with_sample_weight" && sample_weight) divisor = weights.sum();
    loss = divisor == 0.0f ? 0.0f : loss / divisor;  // divide_no_nan
  }
  return Tensor::scalar(loss);
}

}  // namespace detail
}  // namespace kplug
