// What conv.cpp (the convolution ops), deconv_geometry.cpp and prepared_conv.cpp (oneDNN's
// convolution and deconvolution) share: private to the ops layer.
#pragma once

#include "kplug/ops/conv.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace kplug::ops::detail {

// Each spatial axis's stride, dilation and Keras's padding for x and kernel (k..., in, out);
// ValueError naming `op` for a bad rank, option count or causal padding beyond 1-D.
std::vector<ConvAxis> forward_axes(const char* op, const Tensor& x, const Tensor& kernel, const ConvNdOptions& o);

// Whether oneDNN's convolution computes conv_general over `axes`: no input dilation (transposed
// convolutions) and no cropping (negative padding).
bool onednn_supports(const std::vector<ConvAxis>& axes);

// conv_general(x, kernel, axes, groups) through a oneDNN primitive made for this one call
// (onednn_supports(axes); shapes already checked).
Tensor onednn_conv(const Tensor& x, const Tensor& kernel, const std::vector<ConvAxis>& axes, std::int64_t groups);

// Keras's _convert_conv_transpose_padding_args_from_keras_to_jax along one axis: the zeros
// {before, after} the stride-dilated input that the flipped kernel (span taps wide) convolves.
std::pair<std::int64_t, std::int64_t> conv_transpose_jax_padding(std::int64_t span, std::int64_t stride,
                                                                 Padding padding,
                                                                 std::optional<std::int64_t> output_padding);

// conv_transpose's options as oneDNN's deconvolution takes them: the kernel (k..., filters,
// in_channels), with zero taps appended along an axis whose output reaches past its last tap,
// and per axis the stride, dilation and deconvolution paddings (input_dilation unused).
// ValueError for a bad kernel rank, option count or value.
struct DeconvGeometry {
  Tensor kernel;
  std::vector<ConvAxis> axes;
};
DeconvGeometry deconv_geometry(const Tensor& kernel, const ConvTransposeNdOptions& options);

// The deconvolution's output length along an axis (ValueError for an empty input axis).
std::int64_t deconv_output_length(std::int64_t input, std::int64_t kernel, const ConvAxis& axis);

// conv_transpose(x, kernel, options) through a oneDNN deconvolution made for this one call
// (x non-empty; shapes already checked).
Tensor onednn_conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& options);

}  // namespace kplug::ops::detail
