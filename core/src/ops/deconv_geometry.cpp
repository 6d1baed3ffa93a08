// Keras's transposed convolution as oneDNN's deconvolution sees it: per axis the stride,
// dilation and paddings of the scatter form (input i adds to outputs i * stride - pad_before +
// tap * dilation), from the gather form Keras's numpy backend hands jax.
#include "kplug/errors.hpp"
#include "kplug/ops/shape.hpp"
#include "ops/conv_detail.hpp"

#include <string>
#include <utility>

namespace kplug::ops::detail {
namespace {

std::int64_t axis_value(const std::vector<std::int64_t>& v, std::size_t i, std::size_t spatial, const char* name) {
  if (v.empty()) return 1;
  if (v.size() != spatial) {
    throw ValueError(std::string("conv_transpose: expected ") + std::to_string(spatial) + " " + name +
                     " (one per spatial axis), got " + std::to_string(v.size()));
  }
  if (v[i] < 1) throw ValueError(std::string("conv_transpose: ") + name + " must be >= 1, got " + std::to_string(v[i]));
  return v[i];
}

}  // namespace

std::pair<std::int64_t, std::int64_t> conv_transpose_jax_padding(std::int64_t span, std::int64_t stride,
                                                                 Padding padding,
                                                                 std::optional<std::int64_t> output_padding) {
  if (padding == Padding::valid) {
    const std::int64_t extra = output_padding.value_or(std::max(span, stride) - span);
    return {span - 1, span - 1 + extra};
  }
  const std::int64_t pad_len = output_padding ? span + span % 2 - 2 + *output_padding : stride + span - 2;
  const std::int64_t left = std::min(pad_len / 2 + pad_len % 2, span - 1);
  return {left, pad_len - left};
}

DeconvGeometry deconv_geometry(const Tensor& kernel, const ConvTransposeNdOptions& o) {
  if (kernel.rank() < 3 || kernel.rank() > 5) {
    throw ValueError("conv_transpose: expected a kernel (k..., filters, in_channels) with 1 to 3 spatial axes, got " +
                     shape_to_string(kernel.shape()));
  }
  if (o.padding == Padding::causal) throw ValueError("conv_transpose: padding must be 'valid' or 'same', got 'causal'");
  const auto spatial = static_cast<std::size_t>(kernel.rank() - 2);
  if (!o.output_padding.empty() && o.output_padding.size() != spatial) {
    throw ValueError("conv_transpose: expected " + std::to_string(spatial) +
                     " output paddings (one per spatial axis), got " + std::to_string(o.output_padding.size()));
  }
  DeconvGeometry g;
  std::vector<std::pair<std::int64_t, std::int64_t>> extension(static_cast<std::size_t>(kernel.rank()), {0, 0});
  for (std::size_t i = 0; i < spatial; ++i) {
    const std::int64_t s = axis_value(o.strides, i, spatial, "strides");
    const std::int64_t d = axis_value(o.dilation, i, spatial, "dilation rates");
    const std::int64_t span = (kernel.dim(static_cast<std::int64_t>(i)) - 1) * d + 1;
    std::optional<std::int64_t> output_padding;
    if (!o.output_padding.empty()) output_padding = o.output_padding[i];
    const auto [left, right] = conv_transpose_jax_padding(span, s, o.padding, output_padding);
    // The gather form's zeros before the input are the taps the scatter form drops in front.
    ConvAxis a{s, d, 1, span - 1 - left, span - 1 - right};
    if (a.pad_after < 0) {
      // Keras's output reaches past the last tap (stride > span): zero taps appended reach it, as
      // oneDNN takes no negative padding.
      const std::int64_t taps = (-a.pad_after + d - 1) / d;
      extension[i].second = taps;
      a.pad_after += taps * d;
    }
    g.axes.push_back(a);
  }
  g.kernel = ops::pad(kernel, extension);
  return g;
}

std::int64_t deconv_output_length(std::int64_t input, std::int64_t kernel, const ConvAxis& a) {
  if (input < 1) {
    throw ValueError("conv_transpose: the prepared transposed convolution takes no empty spatial axis, got length " +
                     std::to_string(input));
  }
  return (input - 1) * a.stride + (kernel - 1) * a.dilation + 1 - a.pad_before - a.pad_after;
}

}  // namespace kplug::ops::detail
