#include "kplug/ops/conv.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/indexing.hpp"
#include "kplug/ops/shape.hpp"
#include "ops/conv_detail.hpp"
#include "ops/dispatch.hpp"
#include "ops/onednn.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace kplug::ops {
namespace {

// Spatial axes are padded in front to three (length 1, kernel 1, no padding) so one walk
// serves 1-D, 2-D and 3-D.
constexpr std::size_t kAxes = 3;

struct Geometry {
  std::int64_t batch = 0, channels = 0;
  std::array<std::int64_t, kAxes> in{1, 1, 1}, k{1, 1, 1}, out{1, 1, 1};
  std::array<ConvAxis, kAxes> axis{};
  std::int64_t rows() const { return out[0] * out[1] * out[2]; }
  std::int64_t taps() const { return k[0] * k[1] * k[2]; }
  std::int64_t in_size() const { return in[0] * in[1] * in[2]; }
};

std::int64_t spatial_rank(const char* op, const Tensor& x) {
  if (x.rank() < 3 || x.rank() > 5) {
    throw ValueError(std::string(op) +
                     ": expected inputs (batch, spatial..., channels) with 1 to 3 spatial axes, got " + "shape " +
                     shape_to_string(x.shape()));
  }
  return x.rank() - 2;
}

void require_kernel_rank(const char* op, const Tensor& x, const Tensor& kernel, const char* layout) {
  if (kernel.rank() != x.rank()) {
    throw ValueError(std::string(op) + ": expected a kernel " + layout + " of rank " + std::to_string(x.rank()) +
                     " for inputs of shape " + shape_to_string(x.shape()) + ", got shape " +
                     shape_to_string(kernel.shape()));
  }
}

// One value per spatial axis; an empty list means all 1.
std::vector<std::int64_t> per_axis(const char* op, const char* name, const std::vector<std::int64_t>& v,
                                   std::int64_t spatial) {
  if (v.empty()) return std::vector<std::int64_t>(static_cast<std::size_t>(spatial), 1);
  if (static_cast<std::int64_t>(v.size()) != spatial) {
    throw ValueError(std::string(op) + ": expected " + std::to_string(spatial) + " " + name +
                     " (one per spatial axis), " + "got " + std::to_string(v.size()));
  }
  return v;
}

Geometry geometry(const char* op, const Tensor& x, const Tensor& kernel, const std::vector<ConvAxis>& axes) {
  const std::int64_t spatial = spatial_rank(op, x);
  require_kernel_rank(op, x, kernel, "(k..., in, out)");
  if (static_cast<std::int64_t>(axes.size()) != spatial) {
    throw ValueError(std::string(op) + ": expected " + std::to_string(spatial) + " axis settings, got " +
                     std::to_string(axes.size()));
  }
  Geometry g;
  g.batch = x.dim(0);
  g.channels = x.dim(-1);
  const std::size_t first = kAxes - static_cast<std::size_t>(spatial);
  for (std::size_t i = 0; i < static_cast<std::size_t>(spatial); ++i) {
    const auto a = static_cast<std::int64_t>(i);
    g.in[first + i] = x.dim(1 + a);
    g.k[first + i] = kernel.dim(a);
    g.axis[first + i] = axes[i];
    g.out[first + i] = conv_general_output_length(g.in[first + i], g.k[first + i], axes[i]);
  }
  return g;
}

// source[o * k + j]: the input index output o's tap j reads along one axis, or -1 in the
// padding or between dilated inputs. Tables keep divisions out of the im2col walk.
std::vector<std::int64_t> source_table(std::int64_t in, std::int64_t k, std::int64_t out, const ConvAxis& a) {
  const std::int64_t dilated = in == 0 ? 0 : (in - 1) * a.input_dilation + 1;
  std::vector<std::int64_t> table(static_cast<std::size_t>(out * k), -1);
  for (std::int64_t o = 0; o < out; ++o) {
    for (std::int64_t j = 0; j < k; ++j) {
      const std::int64_t v = o * a.stride - a.pad_before + j * a.dilation;
      if (v >= 0 && v < dilated && v % a.input_dilation == 0)
        table[static_cast<std::size_t>(o * k + j)] = v / a.input_dilation;
    }
  }
  return table;
}

struct Sources {
  std::array<std::vector<std::int64_t>, kAxes> axis;
  explicit Sources(const Geometry& g) {
    for (std::size_t i = 0; i < kAxes; ++i) axis[i] = source_table(g.in[i], g.k[i], g.out[i], g.axis[i]);
  }
};

// Calls f(output position, tap, input spatial offset or -1) over every window of one batch item.
template <class F>
void for_each_tap(const Geometry& g, const Sources& s, F&& f) {
  std::int64_t position = 0;
  for (std::int64_t o0 = 0; o0 < g.out[0]; ++o0) {
    for (std::int64_t o1 = 0; o1 < g.out[1]; ++o1) {
      for (std::int64_t o2 = 0; o2 < g.out[2]; ++o2, ++position) {
        std::int64_t tap = 0;
        for (std::int64_t k0 = 0; k0 < g.k[0]; ++k0) {
          const std::int64_t i0 = s.axis[0][static_cast<std::size_t>(o0 * g.k[0] + k0)];
          for (std::int64_t k1 = 0; k1 < g.k[1]; ++k1) {
            const std::int64_t i1 = s.axis[1][static_cast<std::size_t>(o1 * g.k[1] + k1)];
            for (std::int64_t k2 = 0; k2 < g.k[2]; ++k2, ++tap) {
              const std::int64_t i2 = s.axis[2][static_cast<std::size_t>(o2 * g.k[2] + k2)];
              const bool inside = i0 >= 0 && i1 >= 0 && i2 >= 0;
              f(position, tap, inside ? (i0 * g.in[1] + i1) * g.in[2] + i2 : std::int64_t{-1});
            }
          }
        }
      }
    }
  }
}

Shape output_shape(const Tensor& x, const Geometry& g, std::int64_t channels) {
  Shape shape{g.batch};
  for (std::int64_t i = 0; i < x.rank() - 2; ++i)
    shape.push_back(g.out[kAxes - static_cast<std::size_t>(x.rank() - 2) + static_cast<std::size_t>(i)]);
  shape.push_back(channels);
  return shape;
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

}  // namespace

namespace detail {

std::vector<ConvAxis> forward_axes(const char* op, const Tensor& x, const Tensor& kernel, const ConvNdOptions& o) {
  const std::int64_t spatial = spatial_rank(op, x);
  require_kernel_rank(op, x, kernel, "(k..., in, out)");
  if (o.padding == Padding::causal && spatial != 1) {
    throw ValueError(std::string(op) + ": padding 'causal' is only defined for 1 spatial axis, the inputs have " +
                     std::to_string(spatial));
  }
  const auto strides = per_axis(op, "strides", o.strides, spatial);
  const auto dilation = per_axis(op, "dilation rates", o.dilation, spatial);
  std::vector<ConvAxis> axes(static_cast<std::size_t>(spatial));
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const auto a = static_cast<std::int64_t>(i);
    const auto [before, after] = conv_padding(x.dim(1 + a), kernel.dim(a), strides[i], dilation[i], o.padding);
    axes[i] = {strides[i], dilation[i], 1, before, after};
  }
  return axes;
}

}  // namespace detail

std::int64_t conv_general_output_length(std::int64_t input, std::int64_t kernel, const ConvAxis& a) {
  if (kernel < 1 || a.stride < 1 || a.dilation < 1 || a.input_dilation < 1) {
    throw ValueError("conv: kernel size, stride, dilation and input dilation must be >= 1, got " +
                     std::to_string(kernel) + ", " + std::to_string(a.stride) + ", " + std::to_string(a.dilation) +
                     ", " + std::to_string(a.input_dilation));
  }
  const std::int64_t dilated = input == 0 ? 0 : (input - 1) * a.input_dilation + 1;
  const std::int64_t padded = dilated + a.pad_before + a.pad_after, span = (kernel - 1) * a.dilation + 1;
  if (padded < span) {
    throw ValueError("conv: window of " + std::to_string(span) + " (kernel " + std::to_string(kernel) + ", dilation " +
                     std::to_string(a.dilation) + ") is larger than the padded input length " + std::to_string(padded) +
                     " (input " + std::to_string(input) + ")");
  }
  return (padded - span) / a.stride + 1;
}

Tensor conv_general(const Tensor& x, const Tensor& kernel, const std::vector<ConvAxis>& axes, std::int64_t groups) {
  const Geometry g = geometry("conv", x, kernel, axes);
  const std::int64_t C = g.channels, Cg = kernel.dim(-2), F = kernel.dim(-1);
  if (groups < 1 || C % groups != 0 || F % groups != 0 || Cg * groups != C) {
    throw ValueError("conv: input channels " + std::to_string(C) + " and kernel " + shape_to_string(kernel.shape()) +
                     " do not match groups=" + std::to_string(groups) +
                     " (kernel in-channels must be channels / groups, filters divisible by groups)");
  }
  if (detail::onednn_supports(axes)) return detail::onednn_conv(x, kernel, axes, groups);
  // Transposed convolutions (input dilation) and cropping: im2col, then one GEMM per group.
  Tensor out = Tensor::empty(output_shape(x, g, F));
  if (out.size() == 0) return out;
  const std::int64_t rows = g.rows(), patch = g.taps() * Cg, Fg = F / groups;
  const float* px = x.data();
  const float* pk = kernel.data();
  float* po = out.data();
  const Sources sources(g);
  detail::RowMatrix patches(rows, patch);
  const auto bytes = static_cast<std::size_t>(Cg) * sizeof(float);
  for (std::int64_t n = 0; n < g.batch; ++n) {
    const float* image = px + n * g.in_size() * C;
    for (std::int64_t gr = 0; gr < groups; ++gr) {
      float* base = patches.data();
      for_each_tap(g, sources, [&](std::int64_t position, std::int64_t tap, std::int64_t offset) {
        float* dst = base + (position * g.taps() + tap) * Cg;
        if (offset < 0)
          std::memset(dst, 0, bytes);
        else
          std::memcpy(dst, image + offset * C + gr * Cg, bytes);
      });
      detail::sgemm(false, false, rows, Fg, patch, patches.data(), patch, pk + gr * Fg, F, po + n * rows * F + gr * Fg,
                    F);
    }
  }
  return out;
}

std::pair<std::int64_t, std::int64_t> conv_padding(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                                   std::int64_t dilation, Padding padding) {
  const std::int64_t out = conv_output_length(input, kernel, stride, dilation, padding);
  const std::int64_t span = (kernel - 1) * dilation + 1;
  if (padding == Padding::causal) return {span - 1, 0};
  if (padding == Padding::valid) return {0, 0};
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + span - input, 0);
  return {total / 2, total - total / 2};
}

Tensor conv(const Tensor& x, const Tensor& kernel, const ConvNdOptions& o) {
  return conv_general(x, kernel, detail::forward_axes("conv", x, kernel, o), o.groups);
}

Tensor depthwise_conv(const Tensor& x, const Tensor& kernel, const ConvNdOptions& o) {
  const std::vector<ConvAxis> axes = detail::forward_axes("depthwise_conv", x, kernel, o);
  if (o.groups != 1) throw ValueError("depthwise_conv: groups must be 1, got " + std::to_string(o.groups));
  const Geometry g = geometry("depthwise_conv", x, kernel, axes);
  const std::int64_t C = g.channels, M = kernel.dim(-1);
  if (kernel.dim(-2) != C) {
    throw ValueError("depthwise_conv: the kernel " + shape_to_string(kernel.shape()) +
                     " (k..., in_channels, depth_multiplier) expects " + std::to_string(kernel.dim(-2)) +
                     " input channels, the inputs " + shape_to_string(x.shape()) + " have " + std::to_string(C));
  }
  // (k..., C, M) is the grouped kernel (k..., 1, C * M): output channel c * M + m either way.
  Shape grouped(kernel.shape().begin(), kernel.shape().end() - 2);
  grouped.push_back(1);
  grouped.push_back(C * M);
  return conv_general(x, kernel.reshape(grouped), axes, C);
}

Tensor separable_conv(const Tensor& x, const Tensor& depthwise_kernel, const Tensor& pointwise_kernel,
                      const ConvNdOptions& o) {
  const Tensor depthwise = depthwise_conv(x, depthwise_kernel, o);
  ConvNdOptions pointwise;
  pointwise.dilation = o.dilation;  // as Keras passes it; a 1x1 kernel spans 1 whatever the dilation
  return conv(depthwise, pointwise_kernel, pointwise);
}

std::int64_t conv_transpose_output_length(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                                          std::int64_t dilation, Padding padding,
                                          std::optional<std::int64_t> output_padding) {
  if (padding == Padding::causal) throw ValueError("conv_transpose: padding must be 'valid' or 'same', got 'causal'");
  const std::int64_t span = (kernel - 1) * dilation + 1;
  if (padding == Padding::valid)
    return (input - 1) * stride + span + output_padding.value_or(std::max(span, stride) - span);
  if (!output_padding) return input * stride;
  return (input - 1) * stride + span % 2 + *output_padding;
}

namespace {

// conv_transpose's checks of x and kernel against each other (the options' are deconv_geometry's).
void check_conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& o) {
  const char* op = "conv_transpose";
  spatial_rank(op, x);
  require_kernel_rank(op, x, kernel, "(k..., filters, in_channels)");
  if (o.padding == Padding::causal) throw ValueError("conv_transpose: padding must be 'valid' or 'same', got 'causal'");
  if (kernel.dim(-1) != x.dim(-1)) {
    throw ValueError("conv_transpose: the kernel " + shape_to_string(kernel.shape()) +
                     " (k..., filters, in_channels) expects " + std::to_string(kernel.dim(-1)) +
                     " input channels, the inputs " + shape_to_string(x.shape()) + " have " +
                     std::to_string(x.dim(-1)));
  }
}

}  // namespace

Tensor conv_transpose(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& o) {
  check_conv_transpose(x, kernel, o);
  // oneDNN's deconvolution takes no empty tensor; the input-dilated path handles those.
  if (x.size() == 0) return conv_transpose_dilated(x, kernel, o);
  return detail::onednn_conv_transpose(x, kernel, o);
}

Tensor conv_transpose_dilated(const Tensor& x, const Tensor& kernel, const ConvTransposeNdOptions& o) {
  check_conv_transpose(x, kernel, o);
  const char* op = "conv_transpose";
  const std::int64_t spatial = x.rank() - 2;
  const auto strides = per_axis(op, "strides", o.strides, spatial);
  const auto dilation = per_axis(op, "dilation rates", o.dilation, spatial);
  if (!o.output_padding.empty()) per_axis(op, "output paddings", o.output_padding, spatial);
  std::vector<ConvAxis> axes(static_cast<std::size_t>(spatial));
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t span = (kernel.dim(static_cast<std::int64_t>(i)) - 1) * dilation[i] + 1;
    std::optional<std::int64_t> output_padding;
    if (!o.output_padding.empty()) output_padding = o.output_padding[i];
    const auto [left, right] = detail::conv_transpose_jax_padding(span, strides[i], o.padding, output_padding);
    axes[i] = {1, dilation[i], strides[i], left, right};
  }
  // jax.lax.conv_transpose(transpose_kernel=True): spatially flipped, in/out swapped.
  Tensor k = kernel;
  for (std::int64_t a = 0; a < spatial; ++a) k = flip(k, a);
  std::vector<std::int64_t> perm(static_cast<std::size_t>(kernel.rank()));
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<std::int64_t>(i);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return conv_general(x, permute(k, perm), axes, 1);
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
  detail::require_rank("conv1d", x, 3, "inputs (batch, width, channels)");
  detail::require_rank("conv1d", kernel, 3, "a kernel (width, in_channels / groups, filters)");
  const Tensor x4 = x.expand_dims(1), k4 = kernel.expand_dims(0);
  Tensor out = conv2d_impl("conv1d", x4, k4, 1, o.stride, 1, o.dilation, Padding::valid, o.padding, o.groups);
  return out.squeeze(1);
}

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Conv2DOptions& o) {
  detail::require_rank("conv2d", x, 4, "inputs (batch, height, width, channels)");
  detail::require_rank("conv2d", kernel, 4, "a kernel (height, width, in_channels / groups, filters)");
  if (o.padding == Padding::causal) throw ValueError("conv2d: padding 'causal' is only defined for 1-D convolutions");
  return conv2d_impl("conv2d", x, kernel, o.strides[0], o.strides[1], o.dilation[0], o.dilation[1], o.padding,
                     o.padding, o.groups);
}

}  // namespace kplug::ops
