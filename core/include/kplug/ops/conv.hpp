// N-d convolutions (1 to 3 spatial axes, channels_last) for Keras's convolution family.
//
// conv_general is jax.lax.conv_general_dilated's maths, which Keras's numpy backend calls:
// input (lhs) and kernel (rhs) dilation, explicit padding, feature groups; im2col per batch
// item then one Eigen GEMM per group. conv, conv_transpose and separable_conv are Keras's
// ops on top of it; depthwise_conv accumulates one Eigen product per kernel tap over all
// channels at once (a GEMM per channel would be 1 x taps x depth_multiplier).
//   x (batch, spatial..., channels)
//   conv:           kernel (k..., in_channels / groups, filters)
//   conv_transpose: kernel (k..., filters, in_channels)          (Keras's layout)
//   depthwise_conv: kernel (k..., in_channels, depth_multiplier)  -> in_channels * depth_multiplier,
//                   output channel c * depth_multiplier + m
#pragma once

#include "kplug/ops/nn.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

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
// Keras's conv_transpose: the input dilated by the strides, padded as Keras's numpy backend
// pads it for jax.lax.conv_transpose, convolved with the flipped kernel.
Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& options = {});

}  // namespace kplug::ops
#pragma GCC visibility pop
