#include "losses/regression_math.hpp"

#include "kplug/errors.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace kplug::losses::detail {

Tensor mean_last_axis(const Tensor& x, const char* loss) {
  if (x.rank() == 0) {
    throw ValueError(std::string(loss) + ": expected inputs of rank >= 1 (the last axis is averaged), got scalars");
  }
  return x.mean(-1);
}

Tensor sum_over_axes(const Tensor& x, const std::optional<std::vector<std::int64_t>>& axes) {
  if (!axes) return Tensor::scalar(x.sum());
  std::vector<std::int64_t> normalized;
  normalized.reserve(axes->size());
  for (std::int64_t axis : *axes) normalized.push_back(x.normalize_axis(axis));
  std::sort(normalized.begin(), normalized.end());
  if (std::adjacent_find(normalized.begin(), normalized.end()) != normalized.end()) {
    throw ValueError("repeated axis in `axis` for a tensor of shape " + shape_to_string(x.shape()));
  }
  // Highest axis first, so that the remaining axis numbers stay valid.
  Tensor out = x;
  for (auto it = normalized.rbegin(); it != normalized.rend(); ++it) out = out.sum(*it);
  return out;
}

Tensor l2_normalize(const Tensor& x, std::int64_t axis) {
  // Keras expands a scalar to shape (1,) before normalising.
  const Tensor v = x.rank() == 0 ? x.reshape({1}) : x;
  const Tensor inverse_norm = v.square().sum(axis, true).map([](float square_sum) {
    // rsqrt(0) = inf, capped at 1/eps: an all-zero vector stays zero.
    return std::min(1.0f / std::sqrt(square_sum), 1.0f / kKerasEpsilon);
  });
  return v * inverse_norm;
}

}  // namespace kplug::losses::detail
