// pool3d (the one pooling kernel: pool1d/pool2d are it with unit axes) and the masked mean.
#include "kplug/ops/pooling.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/normalization.hpp"
#include "ops/binary_ops.hpp"
#include "ops/dispatch.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <string>

namespace kplug::ops {
namespace {

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using ConstArrayMap = Eigen::Map<const Eigen::ArrayXf>;

// One spatial axis: output length and the zeros Keras's "same" puts before the input
// (the larger half after, as TensorFlow/JAX).
struct PoolAxis {
  std::int64_t in = 0, out = 0, pool = 0, stride = 0, pad_before = 0;
};
PoolAxis pool_axis(std::int64_t in, std::int64_t pool, std::int64_t stride, Padding padding) {
  PoolAxis a{in, 0, pool, stride == 0 ? pool : stride, 0};
  if (a.pool < 1) throw ValueError("pool3d: pool size must be >= 1, got " + std::to_string(a.pool));
  if (a.stride < 1) throw ValueError("pool3d: stride must be >= 1, got " + std::to_string(a.stride));
  a.out = conv_output_length(in, a.pool, a.stride, 1, padding);
  if (padding == Padding::same) a.pad_before = std::max<std::int64_t>((a.out - 1) * a.stride + pool - in, 0) / 2;
  return a;
}

// The in-bounds input indices [first, last) of output position o.
std::pair<std::int64_t, std::int64_t> span(const PoolAxis& a, std::int64_t o) {
  const std::int64_t start = o * a.stride - a.pad_before;
  return {std::max<std::int64_t>(start, 0), std::min(start + a.pool, a.in)};
}

}  // namespace

namespace {

struct PoolGeometry {
  std::int64_t batch = 0, channels = 0;
  PoolAxis d, h, w;
};

PoolGeometry pool_geometry(const Shape& x, const Pool3DOptions& o) {
  if (x.size() != 5) {
    throw ValueError("pool3d: expected inputs (batch, depth, height, width, channels) (rank 5), got shape " +
                     shape_to_string(x));
  }
  if (o.padding == Padding::causal) throw ValueError("pool3d: padding must be 'valid' or 'same', got 'causal'");
  return {x[0], x[4], pool_axis(x[1], o.pool[0], o.strides[0], o.padding),
          pool_axis(x[2], o.pool[1], o.strides[1], o.padding), pool_axis(x[3], o.pool[2], o.strides[2], o.padding)};
}

}  // namespace

Shape pool3d_output_shape(const Shape& x, const Pool3DOptions& o) {
  const PoolGeometry g = pool_geometry(x, o);
  return Shape{g.batch, g.d.out, g.h.out, g.w.out, g.channels};
}

namespace kernels {

void pool3d(const float* x, const Shape& x_shape, float* out, PoolMode mode, const Pool3DOptions& o) {
  const PoolGeometry g = pool_geometry(x_shape, o);
  const std::int64_t C = g.channels;
  const PoolAxis &ad = g.d, &ah = g.h, &aw = g.w;
  float* po = out;
  for (std::int64_t n = 0; n < g.batch; ++n) {
    const float* batch = x + n * ad.in * ah.in * aw.in * C;
    for (std::int64_t od = 0; od < ad.out; ++od) {
      const auto [d0, d1] = span(ad, od);
      for (std::int64_t oh = 0; oh < ah.out; ++oh) {
        const auto [h0, h1] = span(ah, oh);
        for (std::int64_t ow = 0; ow < aw.out; ++ow, po += C) {
          const auto [w0, w1] = span(aw, ow);
          ArrayMap acc(po, C);
          bool first = true;
          for (std::int64_t d = d0; d < d1; ++d) {
            for (std::int64_t h = h0; h < h1; ++h) {
              for (std::int64_t w = w0; w < w1; ++w) {
                const ConstArrayMap v(batch + ((d * ah.in + h) * aw.in + w) * C, C);
                if (first)
                  acc = v;
                else if (mode == PoolMode::max)
                  acc = detail::MaxOp{}.array(acc, v);  // NaN propagates, as numpy's max
                else
                  acc += v;
                first = false;
              }
            }
          }
          // Keras's padding rules never give a window entirely in the padding.
          if (mode == PoolMode::average) acc /= static_cast<float>((d1 - d0) * (h1 - h0) * (w1 - w0));
        }
      }
    }
  }
}

void global_pool(const float* x, std::int64_t batch, std::int64_t positions, std::int64_t channels, float* out,
                 PoolMode mode) {
  for (std::int64_t b = 0; b < batch; ++b) {
    ArrayMap acc(out + b * channels, channels);
    const float* rows = x + b * positions * channels;
    acc = ConstArrayMap(rows, channels);
    for (std::int64_t p = 1; p < positions; ++p) {
      const ConstArrayMap v(rows + p * channels, channels);
      if (mode == PoolMode::max)
        acc = detail::MaxOp{}.array(acc, v);
      else
        acc += v;
    }
    if (mode == PoolMode::average) acc /= static_cast<float>(positions);
  }
}

}  // namespace kernels

Tensor pool3d(const Tensor& x, PoolMode mode, const Pool3DOptions& o) {
  const Tensor in = x.dtype() == DType::float32 ? x : x.astype(DType::float32);
  Tensor out = Tensor::empty(pool3d_output_shape(x.shape(), o));
  if (out.size() == 0) return out;
  kernels::pool3d(in.data(), in.shape(), out.data(), mode, o);
  return out;
}

Tensor masked_mean(const Tensor& x, const Tensor& mask, const Axes& axes, bool keepdims) {
  const Shape shape = ops::broadcast_shapes(x.shape(), mask.shape());
  if (shape != x.shape()) {
    throw ValueError("masked_mean: mask of shape " + shape_to_string(mask.shape()) +
                     " does not broadcast to the input shape " + shape_to_string(x.shape()));
  }
  const Tensor set = broadcast_to(mask.dtype() == DType::float32 ? mask : mask.astype(DType::float32), shape);
  const Tensor weight = map(set, [](float m) { return m != 0.0f ? 1.0f : 0.0f; });
  return divide(sum(where(weight, x, Tensor::scalar(0.0f)), axes, keepdims), sum(weight, axes, keepdims));
}

// Both through pool3d, with unit leading axes.
Tensor pool1d(const Tensor& x, PoolMode mode, const Pool1DOptions& o) {
  detail::require_rank("pool1d", x, 3, "inputs (batch, width, channels)");
  const Tensor y = pool3d(x.expand_dims(1).expand_dims(1), mode, {{1, 1, o.pool}, {1, 1, o.stride}, o.padding});
  return y.squeeze(1).squeeze(1);
}

Tensor pool2d(const Tensor& x, PoolMode mode, const Pool2DOptions& o) {
  detail::require_rank("pool2d", x, 4, "inputs (batch, height, width, channels)");
  return pool3d(x.expand_dims(1), mode, {{1, o.pool[0], o.pool[1]}, {1, o.strides[0], o.strides[1]}, o.padding})
      .squeeze(1);
}

}  // namespace kplug::ops
