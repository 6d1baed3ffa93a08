// Neural-network kernels: softmax family, convolution (channels_last, im2col + Eigen GEMM)
// and pooling. Shapes follow Keras's channels_last layout:
//   conv1d: x (batch, width, in_channels),  kernel (kw, in_channels / groups, filters)
//   conv2d: x (batch, h, w, in_channels),   kernel (kh, kw, in_channels / groups, filters)
#pragma once

#include "kplug/ops/reduce.hpp"
#include "kplug/tensor.hpp"

#include <array>
#include <cstdint>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// Along `axis`, shifted by the max; NaN propagates; an empty axis gives an empty result.
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);

// tf.nn.l2_normalize: x / sqrt(max(sum(x^2 over axes), epsilon)).
Tensor l2_normalize(const Tensor& x, const Axes& axes, float epsilon = 1e-12f);

// tf.nn.moments: the mean over `axes` and the variance as the mean of squared deviations
// (two passes: no E[x^2] - E[x]^2 cancellation).
struct Moments {
  Tensor mean, variance;
};
Moments moments(const Tensor& x, const Axes& axes, bool keepdims = false);

enum class Padding { valid, same, causal };  // causal: 1-D only (left padding)

struct Conv1DOptions {
  std::int64_t stride = 1;
  std::int64_t dilation = 1;
  Padding padding = Padding::valid;
  std::int64_t groups = 1;
};
struct Conv2DOptions {
  std::array<std::int64_t, 2> strides{1, 1};
  std::array<std::int64_t, 2> dilation{1, 1};
  Padding padding = Padding::valid;
  std::int64_t groups = 1;
};

// Output length of a convolution/pooling along one axis (Keras's formula); ValueError if < 0.
std::int64_t conv_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride, std::int64_t dilation,
                                Padding padding);

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Conv1DOptions& options = {});
Tensor conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& options = {});

enum class PoolMode { max, average };
struct Pool1DOptions {
  std::int64_t pool = 2;
  std::int64_t stride = 0;  // 0: equal to pool, as Keras
  Padding padding = Padding::valid;
};
struct Pool2DOptions {
  std::array<std::int64_t, 2> pool{2, 2};
  std::array<std::int64_t, 2> strides{0, 0};  // 0: equal to pool
  Padding padding = Padding::valid;
};
// Average pooling with "same" padding averages over the window's in-bounds elements (Keras).
Tensor pool1d(const Tensor& x, PoolMode mode, const Pool1DOptions& options = {});
Tensor pool2d(const Tensor& x, PoolMode mode, const Pool2DOptions& options = {});
inline Tensor max_pool1d(const Tensor& x, const Pool1DOptions& o = {}) { return pool1d(x, PoolMode::max, o); }
inline Tensor avg_pool1d(const Tensor& x, const Pool1DOptions& o = {}) { return pool1d(x, PoolMode::average, o); }
inline Tensor max_pool2d(const Tensor& x, const Pool2DOptions& o = {}) { return pool2d(x, PoolMode::max, o); }
inline Tensor avg_pool2d(const Tensor& x, const Pool2DOptions& o = {}) { return pool2d(x, PoolMode::average, o); }

}  // namespace kplug::ops
#pragma GCC visibility pop
