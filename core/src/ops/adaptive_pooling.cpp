// keras.ops.adaptive_average_pool / adaptive_max_pool: output position i of an axis of length n
// pools x[floor(i*n/o), ceil((i+1)*n/o)). Computed axis by axis in Keras's order (the first
// spatial axis first), an average as a float32 sum divided by the window's length, so that the
// results are Keras's to the bit.
#include "kplug/ops/pooling.hpp"

#include "kplug/errors.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace kplug::ops {
namespace {

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
    const auto count = static_cast<float>(end - start);
    for (std::int64_t b = 0; b < outer; ++b) {
      const float* window = px + (b * in_len + start) * inner;
      float* dst = po + (b * out_len + o) * inner;
      std::copy(window, window + inner, dst);
      for (std::int64_t k = 1; k < end - start; ++k) {
        const float* row = window + k * inner;
        for (std::int64_t c = 0; c < inner; ++c) {
          dst[c] = mode == PoolMode::max ? (std::isnan(dst[c]) || dst[c] >= row[c] ? dst[c] : row[c]) : dst[c] + row[c];
        }
      }
      if (mode == PoolMode::average) {
        for (std::int64_t c = 0; c < inner; ++c) dst[c] /= count;
      }
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
