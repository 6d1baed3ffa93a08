// What conv.cpp (the convolution ops) and prepared_conv.cpp (oneDNN's convolution) share:
// private to the ops layer.
#pragma once

#include "kplug/ops/conv.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
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

}  // namespace kplug::ops::detail
