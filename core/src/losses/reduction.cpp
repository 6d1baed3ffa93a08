#include "losses/reduction.hpp"

#include "kplug/errors.hpp"

#include <array>

namespace kplug::detail {
namespace {

constexpr std::array<std::string_view, 5> kReductions = {"sum_over_batch_size", "sum", "mean",
                                                          "mean_with_sample_weight", "none"};

// Keras's squeeze_or_expand_to_same_rank: drop or add a trailing axis of length 1.
void match_ranks(Tensor& values, Tensor& weights) {
  const auto drop_last = [](const Tensor& t) {
    return t.reshape(Shape(t.shape().begin(), t.shape().end() - 1));
  };
  const auto add_last = [](const Tensor& t) {
    Shape s = t.shape();
    s.push_back(1);
    return t.reshape(s);
  };
  if (values.rank() == weights.rank() + 1 && values.dim(-1) == 1) {
    if (weights.rank() == 1) weights = add_last(weights);
    else values = drop_last(values);
  } else if (weights.rank() == values.rank() + 1 && weights.dim(-1) == 1) {
    if (values.rank() == 1) values = add_last(values);
    else weights = drop_last(weights);
  }
}

}  // namespace

std::string standardize_reduction(std::string_view reduction) {
  for (std::string_view r : kReductions) {
    if (r == reduction) return std::string(r);
  }
  throw ValueError("Invalid value for argument `reduction`. Expected one of {'sum_over_batch_size', 'sum', "
                   "'mean', 'mean_with_sample_weight', 'none', None}. Received: reduction=" +
                   std::string(reduction));
}

Tensor reduce_weighted_values(const Tensor& values, const Tensor* sample_weight, std::string_view reduction) {
  const std::string r = standardize_reduction(reduction);
  Tensor weighted = values;
  Tensor weights;
  if (sample_weight) {
    weights = *sample_weight;
    match_ranks(weighted, weights);
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

}  // namespace kplug::detail
