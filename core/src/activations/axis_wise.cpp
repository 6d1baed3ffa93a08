// keras.activations that normalise or split along an axis: softmax, log_softmax,
// sparsemax and glu. Each works slice by slice (see detail::map_slices).
#include "activations/elementwise.hpp"
#include "kplug/activations.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

namespace kplug::activations {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) { return ops::softmax(x, axis); }

Tensor log_softmax(const Tensor& x, std::int64_t axis) { return ops::log_softmax(x, axis); }

Tensor sparsemax(const Tensor& x, std::int64_t axis) {
  // Martins & Astudillo (2016), Algorithm 1: with z sorted in decreasing order, the
  // support size k is the largest j with 1 + j z_j > sum_{i<=j} z_i, and
  // tau = (sum_{i<=k} z_i - 1) / k. Keras before PR 23469 summed the cumulative sums
  // over the support instead, which is wrong whenever k > 1.
  return detail::map_slices(x, axis, x.dim(axis), [](std::span<const float> in, std::span<float> out) {
    if (in.empty()) return;
    detail::Scratch<double, 256> scratch(in.size());
    const std::span<double> sorted = scratch.span();
    std::copy(in.begin(), in.end(), sorted.begin());
    // A NaN has no place in the order and +inf makes the projection undefined.
    if (std::any_of(sorted.begin(), sorted.end(), [](double v) { return std::isnan(v) || v == HUGE_VAL; })) {
      std::fill(out.begin(), out.end(), kNaN);
      return;
    }
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    double cumulative = 0.0, support_sum = 0.0;
    std::size_t k = 0;
    for (std::size_t j = 0; j < sorted.size(); ++j) {
      cumulative += sorted[j];
      if (1.0 + static_cast<double>(j + 1) * sorted[j] > cumulative) {
        k = j + 1;
        support_sum = cumulative;
      }
    }
    if (k == 0) {  // every element -inf: no finite projection
      std::fill(out.begin(), out.end(), kNaN);
      return;
    }
    const double tau = (support_sum - 1.0) / static_cast<double>(k);
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = static_cast<float>(std::max(in[i] - tau, 0.0));
  });
}

Tensor glu(const Tensor& x, std::int64_t axis) {
  const std::int64_t length = x.dim(axis);
  if (length % 2 != 0) {
    throw ValueError("glu: axis size must be divisible by 2, got shape " + shape_to_string(x.shape()) + " with axis " +
                     std::to_string(axis));
  }
  const std::int64_t half = length / 2;
  return detail::map_slices(x, axis, half, [half](std::span<const float> in, std::span<float> out) {
    for (std::int64_t i = 0; i < half; ++i) {
      const float a = in[static_cast<std::size_t>(i)];
      const float b = in[static_cast<std::size_t>(half + i)];
      out[static_cast<std::size_t>(i)] = a * detail::stable_sigmoid(b);
    }
  });
}

}  // namespace kplug::activations
