#include "kplug/ops/nn.hpp"
#include "kplug/ops/pooling.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/elementwise.hpp"
#include "ops/binary_ops.hpp"
#include "ops/dispatch.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace kplug::ops {
namespace {

using detail::ConstArrayMap;
using detail::ConstRowArrayMap;
using detail::RowArrayMap;
using detail::UArrayMap;

// Splits x around `axis` into (outer, length, inner).
struct Split {
  std::int64_t outer = 1, length = 1, inner = 1;
};
Split split(const Tensor& x, std::int64_t a) {
  Split s;
  for (std::int64_t i = 0; i < x.rank(); ++i) {
    const std::int64_t d = x.shape()[static_cast<std::size_t>(i)];
    if (i < a)
      s.outer *= d;
    else if (i == a)
      s.length = d;
    else
      s.inner *= d;
  }
  return s;
}

template <bool Log>
Tensor softmax_impl(const Tensor& x, std::int64_t axis) {
  if (x.rank() == 0) throw ValueError(std::string(Log ? "log_softmax" : "softmax") + " of a scalar (no axis)");
  const std::int64_t a = x.normalize_axis(axis);
  const Split s = split(x, a);
  Tensor out = Tensor::empty(x.shape());
  if (out.size() == 0) return out;
  const float* src = x.data();
  float* dst = out.data();
  const std::int64_t n = s.length;
  if (s.inner == 1) {
    for (std::int64_t o = 0; o < s.outer; ++o) {
      const ConstArrayMap in(src + o * n, n);
      UArrayMap res(dst + o * n, n);
      const float m = in.maxCoeff<Eigen::PropagateNaN>();
      res = (in - m).exp();
      const float total = res.sum();
      if constexpr (Log)
        res = (in - m) - std::log(total);
      else
        res *= 1.0f / total;
    }
    return out;
  }
  Eigen::Array<float, 1, Eigen::Dynamic> m(s.inner), total(s.inner);
  for (std::int64_t o = 0; o < s.outer; ++o) {
    const ConstRowArrayMap in(src + o * n * s.inner, n, s.inner);
    RowArrayMap res(dst + o * n * s.inner, n, s.inner);
    m = in.row(0);
    for (std::int64_t r = 1; r < n; ++r) m = detail::MaxOp{}.array(m, in.row(r));
    res = (in.rowwise() - m).exp();
    total = res.colwise().sum();
    if constexpr (Log)
      res = (in.rowwise() - (m + total.log()));
    else
      res.rowwise() /= total;
  }
  return out;
}

std::string padding_name(Padding p) { return p == Padding::valid ? "valid" : p == Padding::same ? "same" : "causal"; }

void require_positive(const char* op, const char* what, std::int64_t v) {
  if (v < 1) throw ValueError(std::string(op) + ": " + what + " must be >= 1, got " + std::to_string(v));
}

// x (N, H, W, C), kernel (KH, KW, C/groups, F) -> (N, OH, OW, F) through ops::conv_general
// (im2col + GEMM), with Keras's padding per axis.
Tensor conv2d_impl(const char* op, const Tensor& x, const Tensor& kernel, std::int64_t sh, std::int64_t sw,
                   std::int64_t dh, std::int64_t dw, Padding ph, Padding pw, std::int64_t groups) {
  require_positive(op, "stride", std::min(sh, sw));
  require_positive(op, "dilation", std::min(dh, dw));
  require_positive(op, "groups", groups);
  const auto [top, bottom] = conv_padding(x.dim(1), kernel.dim(0), sh, dh, ph);
  const auto [left, right] = conv_padding(x.dim(2), kernel.dim(1), sw, dw, pw);
  return conv_general(x, kernel, {{sh, dh, 1, top, bottom}, {sw, dw, 1, left, right}}, groups);
}

void require_rank(const char* op, const Tensor& t, std::int64_t rank, const char* layout) {
  if (t.rank() != rank) {
    throw ValueError(std::string(op) + ": expected " + layout + " (rank " + std::to_string(rank) + "), got shape " +
                     shape_to_string(t.shape()));
  }
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) { return softmax_impl<false>(x, axis); }
Tensor log_softmax(const Tensor& x, std::int64_t axis) { return softmax_impl<true>(x, axis); }

Tensor l2_normalize(const Tensor& x, const Axes& axes, float epsilon) {
  // std::max keeps a NaN sum NaN (NaN < epsilon is false).
  const Tensor inv_norm =
      map(sum(square(x), axes, true), [epsilon](float s) { return 1.0f / std::sqrt(std::max(s, epsilon)); });
  return multiply(x, inv_norm);
}

Moments moments(const Tensor& x, const Axes& axes, bool keepdims) {
  const Tensor mean_kept = mean(x, axes, true);
  Tensor variance = mean(square(subtract(x, mean_kept)), axes, keepdims);
  Tensor m = keepdims ? mean_kept : mean_kept.reshape(variance.shape());
  return {std::move(m), std::move(variance)};
}

std::int64_t conv_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride, std::int64_t dilation,
                                Padding padding) {
  require_positive("conv", "kernel size", kernel);
  require_positive("conv", "stride", stride);
  require_positive("conv", "dilation", dilation);
  const std::int64_t span = (kernel - 1) * dilation + 1;
  if (padding == Padding::valid) {
    if (input < span) {
      throw ValueError("window of " + std::to_string(span) + " (kernel " + std::to_string(kernel) + ", dilation " +
                       std::to_string(dilation) + ") is larger than the input length " + std::to_string(input) +
                       " with padding '" + padding_name(padding) + "'");
    }
    return (input - span) / stride + 1;
  }
  return (input + stride - 1) / stride;  // same and causal: ceil(input / stride)
}

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Conv1DOptions& o) {
  require_rank("conv1d", x, 3, "inputs (batch, width, channels)");
  require_rank("conv1d", kernel, 3, "a kernel (width, in_channels / groups, filters)");
  const Tensor x4 = x.expand_dims(1), k4 = kernel.expand_dims(0);
  Tensor out = conv2d_impl("conv1d", x4, k4, 1, o.stride, 1, o.dilation, Padding::valid, o.padding, o.groups);
  return out.squeeze(1);
}

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& o) {
  require_rank("conv2d", x, 4, "inputs (batch, height, width, channels)");
  require_rank("conv2d", kernel, 4, "a kernel (height, width, in_channels / groups, filters)");
  if (o.padding == Padding::causal) throw ValueError("conv2d: padding 'causal' is only defined for 1-D convolutions");
  return conv2d_impl("conv2d", x, kernel, o.strides[0], o.strides[1], o.dilation[0], o.dilation[1], o.padding,
                     o.padding, o.groups);
}

// Both through pool3d, the one pooling kernel (ops/pooling.cpp), with unit leading axes.
Tensor pool1d(const Tensor& x, PoolMode mode, const Pool1DOptions& o) {
  require_rank("pool1d", x, 3, "inputs (batch, width, channels)");
  const Tensor y = pool3d(x.expand_dims(1).expand_dims(1), mode, {{1, 1, o.pool}, {1, 1, o.stride}, o.padding});
  return y.squeeze(1).squeeze(1);
}

Tensor pool2d(const Tensor& x, PoolMode mode, const Pool2DOptions& o) {
  require_rank("pool2d", x, 4, "inputs (batch, height, width, channels)");
  return pool3d(x.expand_dims(1), mode, {{1, o.pool[0], o.pool[1]}, {1, o.strides[0], o.strides[1]}, o.padding})
      .squeeze(1);
}

}  // namespace kplug::ops
