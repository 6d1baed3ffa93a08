// Convolutions (channels_last): conv1d/conv2d and the N-d family (1 to 3 spatial axes) for
// Keras's convolution layers, with the Padding and output-length rule that pooling shares.
//   conv1d: x (batch, width, in_channels),  kernel (kw, in_channels / groups, filters)
//   conv2d: x (batch, h, w, in_channels),   kernel (kh, kw, in_channels / groups, filters)
//
// conv_general is jax.lax.conv_general_dilated's maths, which Keras's numpy backend calls:
// input (lhs) and kernel (rhs) dilation, explicit padding, feature groups. It runs as oneDNN's
// convolution primitive; with input dilation or negative padding, which oneDNN's convolution
// does not express, as im2col per batch item then one GEMM per group (conv_transpose runs as
// oneDNN's deconvolution instead). conv, conv_transpose,
// depthwise_conv (a convolution grouped by channel) and separable_conv are Keras's ops on top
// of it. For repeated calls with one kernel, kplug/ops/prepared_conv.hpp prepares it once.
//   x (batch, spatial..., channels)
//   conv:           kernel (k..., in_channels / groups, filters)
//   conv_transpose: kernel (k..., filters, in_channels)          (Keras's layout)
//   depthwise_conv: kernel (k..., in_channels, depth_multiplier)  -> in_channels * depth_multiplier,
//                   output channel c * depth_multiplier + m
#pragma once

#include "kplug/tensor.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

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

// One spatial axis of conv_general.
struct ConvAxis {
  std::int64_t stride = 1;
  std::int64_t dilation = 1;        // kernel dilation
  std::int64_t input_dilation = 1;  // input_dilation - 1 zeros between neighbouring inputs
  std::int64_t pad_before = 0;      // zeros before / after the (dilated) input; negative crops
  std::int64_t pad_after = 0;
};

// Output length of conv_general along one axis; ValueError when it would be < 1.
std::int64_t conv_general_output_length(std::int64_t input, std::int64_t kernel, const ConvAxis& axis);
Tensor conv_general(const Tensor& x, const Tensor& kernel, const std::vector<ConvAxis>& axes, std::int64_t groups = 1);

// Keras's {before, after} padding of a convolution along one axis (same: the odd zero after).
std::pair<std::int64_t, std::int64_t> conv_padding(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                                   std::int64_t dilation, Padding padding);

struct ConvNdOptions {
  std::vector<std::int64_t> strides;   // one per spatial axis; empty: all 1
  std::vector<std::int64_t> dilation;  // empty: all 1
  Padding padding = Padding::valid;    // causal: one spatial axis only
  std::int64_t groups = 1;             // conv only
};
Tensor conv(const Tensor& x, const Tensor& kernel, const ConvNdOptions& options = {});
Tensor depthwise_conv(const Tensor& x, const Tensor& kernel, const ConvNdOptions& options = {});
// depthwise_conv, then a stride-1 valid conv with pointwise_kernel (1..., in * depth_multiplier, filters).
Tensor separable_conv(const Tensor& x, const Tensor& depthwise_kernel, const Tensor& pointwise_kernel,
                      const ConvNdOptions& options = {});

struct ConvTransposeNdOptions {
  std::vector<std::int64_t> strides;         // empty: all 1
  std::vector<std::int64_t> dilation;        // empty: all 1
  Padding padding = Padding::valid;          // valid or same
  std::vector<std::int64_t> output_padding;  // empty: Keras's None
};
// Keras's compute_conv_transpose_output_shape along one axis.
std::int64_t conv_transpose_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                          std::int64_t dilation, Padding padding,
                                          std::optional<std::int64_t> output_padding);
// Keras's conv_transpose, as oneDNN's deconvolution (a primitive made for this one call; for
// repeated calls PreparedConv::transposed prepares it once).
Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& options = {});
// The same maths as Keras's numpy backend does it: the input dilated by the strides, padded for
// jax.lax.conv_transpose, convolved with the flipped kernel through conv_general's im2col path.
// The reference conv_transpose is checked and measured against.
Tensor conv_transpose_dilated(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& options = {});

}  // namespace kplug::ops
#pragma GCC visibility pop
