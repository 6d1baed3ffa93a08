// Pooling kernels (channels_last): max/average over 1-D, 2-D and 3-D windows, and the masked
// mean of keras.layers.GlobalAveragePooling1D. Padding is the convolutions' (ops/conv.hpp).
#pragma once

#include "kplug/ops/conv.hpp"
#include "kplug/ops/reduce.hpp"
#include "kplug/tensor.hpp"

#include <array>
#include <cstdint>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

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

struct Pool3DOptions {
  std::array<std::int64_t, 3> pool{2, 2, 2};
  std::array<std::int64_t, 3> strides{0, 0, 0};  // 0: equal to pool
  Padding padding = Padding::valid;
};
// Max or average over (d, h, w) windows; average with "same" padding divides by the window's
// in-bounds elements (Keras). pool1d/pool2d are this with unit leading axes.
Tensor pool3d(const Tensor& x, PoolMode mode, const Pool3DOptions& options = {});
// pool3d's output shape for inputs of shape x (ValueError as pool3d).
Shape pool3d_output_shape(const Shape& x, const Pool3DOptions& options);
inline Tensor max_pool3d(const Tensor& x, const Pool3DOptions& o = {}) { return pool3d(x, PoolMode::max, o); }
inline Tensor avg_pool3d(const Tensor& x, const Pool3DOptions& o = {}) { return pool3d(x, PoolMode::average, o); }

// sum(where(mask, x, 0), axes) / sum(mask, axes): the mean over the elements whose mask is
// set (Keras's masked GlobalAveragePooling1D). `mask` (bool or numeric: nonzero = set)
// broadcasts against x; masked-out values never reach the sum (a NaN there is dropped), and
// an axis with no element set gives NaN (0 / 0), as Keras.
Tensor masked_mean(const Tensor& x, const Tensor& mask, const Axes& axes, bool keepdims = false);

// keras.ops.adaptive_max_pool / adaptive_average_pool, channels_last: x (batch, spatial...,
// channels) with one output_size per spatial axis (1 to 3). Output i of an axis of length n
// pools x[floor(i * n / o), ceil((i + 1) * n / o)), axis after axis as Keras computes it (an
// average is a float32 sum divided by the window's length), so results match Keras's bits.
Tensor adaptive_pool(const Tensor& x, PoolMode mode, const std::vector<std::int64_t>& output_size);

}  // namespace kplug::ops
#pragma GCC visibility pop
