// keras.ops.adaptive_average_pool / adaptive_max_pool: output position i of an axis of length n
// pools x[floor(i*n/o), ceil((i+1)*n/o)). Computed axis by axis in Keras's order (the first
// spatial axis first), an average as a float32 sum divided by the window's length, so that the
// results are Keras's to the bit.
#include "kplug/ops/pooling.hpp"

#include "kplug/errors.hpp"
#include "ops/binary_ops.hpp"

#include <Eigen/Core>

#include <string>
#include <vector>

namespace kplug::ops {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

// Pools axis `axis` of the contiguous `x` down (or up) to `out_len` positions.
Tensor adaptive_pool_axis(const Tensor& x, std::int64_t axis, std::int64_t out_len, PoolMode mode) {
  const Shape& shape = x.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const std::int64_t in_len = shape[axis];
  Shape out_shape = shape;
  out_shape[axis] = out_len;
  Tensor out = Tensor::empty(out_shape);
  const float* px = x.data();
  float* po = out.data();
  for (std::int64_t o = 0; o < out_len; ++o) {
    const std::int64_t start = (o * in_len) / out_len;
    const std::int64_t end = ((o + 1) * in_len + out_len - 1) / out_len;
    for (std::int64_t b = 0; b < outer; ++b) {
      const float* window = px + (b * in_len + start) * inner;
      ArrayMap dst(po + (b * out_len + o) * inner, inner);
      dst = ConstArrayMap(window, inner);
      // Eigen's packets keep each element's order of operations: the sums stay Keras's.
      for (std::int64_t k = 1; k < end - start; ++k) {
        const ConstArrayMap row(window + k * inner, inner);
        if (mode == PoolMode::max)
          dst = detail::MaxOp{}.array(dst, row);  // NaN propagates
        else
          dst += row;
      }
      if (mode == PoolMode::average) dst /= static_cast<float>(end - start);
    }
  }
  return out;
}

}  // namespace

Tensor adaptive_pool(const Tensor& x, PoolMode mode, const std::vector<std::int64_t>& output_size) {
  const auto spatial = static_cast<std::int64_t>(output_size.size());
  if (spatial < 1 || spatial > 3 || x.rank() != spatial + 2) {
    throw ValueError("adaptive_pool: expected inputs (batch, spatial..., channels) of rank " +
                     std::to_string(spatial + 2) + " for output_size of length " + std::to_string(spatial) +
                     ", got shape " + shape_to_string(x.shape()));
  }
  Tensor y = x.dtype() == DType::float32 ? x : x.astype(DType::float32);
  for (std::int64_t a = 0; a < spatial; ++a) {
    const std::int64_t o = output_size[a];
    if (o < 1) throw ValueError("adaptive_pool: output_size must be >= 1, got " + std::to_string(o));
    if (y.dim(a + 1) < 1) throw ValueError("adaptive_pool: an empty spatial axis cannot be pooled");
    y = adaptive_pool_axis(y, a + 1, o, mode);
  }
  return y;
}

}  // namespace kplug::ops
