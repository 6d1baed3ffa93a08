#include "kplug/ops/image.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/shape.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

namespace kplug::ops {
namespace {

double triangle_kernel(double x) { return std::max(0.0, 1.0 - std::fabs(x)); }

// Keys cubic with a = -0.5 (x >= 0).
double keys_cubic_kernel(double x) {
  if (x >= 2.0) return 0.0;
  if (x >= 1.0) return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0;
  return ((1.5 * x - 2.5) * x) * x + 1.0;
}

double lanczos_kernel(double radius, double x) {
  if (x > radius) return 0.0;
  if (x <= 1e-3) return 1.0;
  const double pi = std::numbers::pi;
  return radius * std::sin(pi * x) * std::sin(pi * x / radius) / (pi * pi * x * x);
}

double kernel_at(Interpolation interpolation, double x) {
  switch (interpolation) {
    case Interpolation::bilinear: return triangle_kernel(x);
    case Interpolation::bicubic: return keys_cubic_kernel(x);
    case Interpolation::lanczos3: return lanczos_kernel(3.0, x);
    case Interpolation::lanczos5: return lanczos_kernel(5.0, x);
    case Interpolation::nearest: break;
  }
  throw ValueError("resize_weights: nearest interpolation has no kernel");
}

// x viewed as (outer, n, inner) along `axis`.
struct AxisView {
  std::int64_t outer = 1, n = 1, inner = 1;
};
AxisView view_along(const Shape& shape, std::int64_t axis) {
  AxisView v;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    const std::int64_t d = shape[static_cast<std::size_t>(i)];
    if (i < axis) v.outer *= d;
    if (i == axis) v.n = d;
    if (i > axis) v.inner *= d;
  }
  return v;
}

// Rows of `axis` picked by `index` (a gather of whole inner blocks; any dtype).
Tensor gather_axis(const Tensor& x, std::int64_t axis, const std::vector<std::int64_t>& index) {
  const AxisView v = view_along(x.shape(), axis);
  Shape out_shape = x.shape();
  out_shape[static_cast<std::size_t>(axis)] = static_cast<std::int64_t>(index.size());
  Tensor out = Tensor::empty(out_shape, x.dtype());
  const std::size_t block = static_cast<std::size_t>(v.inner) * dtype_size(x.dtype());
  if (out.size() == 0) return out;
  const std::byte* src = x.bytes();
  std::byte* dst = out.mutable_bytes();
  for (std::int64_t o = 0; o < v.outer; ++o) {
    for (std::int64_t i : index) {
      std::memcpy(dst, src + static_cast<std::size_t>(o * v.n + i) * block, block);
      dst += block;
    }
  }
  return out;
}

// Keras's _resize_nearest along one axis.
Tensor resize_nearest_axis(const Tensor& x, std::int64_t axis, std::int64_t output_size) {
  const std::int64_t m = x.dim(axis);
  std::vector<std::int64_t> index(static_cast<std::size_t>(output_size));
  for (std::int64_t j = 0; j < output_size; ++j) {
    // float32 arithmetic as numpy's (arange(n, float32) + 0.5) * m / n.
    const float offset = (static_cast<float>(j) + 0.5f) * static_cast<float>(m) / static_cast<float>(output_size);
    index[static_cast<std::size_t>(j)] = std::min<std::int64_t>(static_cast<std::int64_t>(std::floor(offset)), m - 1);
  }
  return gather_axis(x, axis, index);
}

// out (outer, n, inner) = weights^T (n, m) x (outer, m, inner): one GEMM per outer block.
Tensor resize_kernel_axis(const Tensor& x, std::int64_t axis, std::int64_t output_size, Interpolation interpolation,
                          bool antialias) {
  const AxisView v = view_along(x.shape(), axis);
  const Tensor w = resize_weights(v.n, output_size, interpolation, antialias);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const RowMajor wt = Eigen::Map<const RowMajor>(w.data(), v.n, output_size).transpose();
  Shape out_shape = x.shape();
  out_shape[static_cast<std::size_t>(axis)] = output_size;
  Tensor out = Tensor::empty(out_shape);
  if (out.size() == 0) return out;
  const float* src = x.data();
  float* dst = out.data();
  for (std::int64_t o = 0; o < v.outer; ++o) {
    Eigen::Map<const RowMajor> in(src + o * v.n * v.inner, v.n, v.inner);
    Eigen::Map<RowMajor> res(dst + o * output_size * v.inner, output_size, v.inner);
    res.noalias() = wt * in;
  }
  return out;
}

struct SpatialAxes {
  std::int64_t height = 0, width = 0;
};
SpatialAxes spatial_axes(const Tensor& images, bool channels_first, const char* what) {
  if (images.rank() != 3 && images.rank() != 4) {
    throw ValueError(std::string(what) +
                     ": invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received "
                     "input with shape: images.shape=" +
                     shape_to_string(images.shape()));
  }
  const std::int64_t r = images.rank();
  return channels_first ? SpatialAxes{r - 2, r - 1} : SpatialAxes{r - 3, r - 2};
}

void check_size(std::int64_t height, std::int64_t width, const char* what) {
  if (height <= 0 || width <= 0) {
    throw ValueError(std::string(what) + ": the target size must be positive, got (" + std::to_string(height) + ", " +
                     std::to_string(width) + ")");
  }
}

// Keras's crop box for the target aspect ratio (its int(float(...)) truncations).
Tensor crop_to_aspect(const Tensor& images, SpatialAxes axes, std::int64_t target_h, std::int64_t target_w) {
  const std::int64_t h = images.dim(axes.height), w = images.dim(axes.width);
  const auto crop_h = std::max<std::int64_t>(
      std::min<std::int64_t>(h, static_cast<std::int64_t>(static_cast<double>(w * target_h) / target_w)), 1);
  const auto crop_w = std::max<std::int64_t>(
      std::min<std::int64_t>(w, static_cast<std::int64_t>(static_cast<double>(h * target_w) / target_h)), 1);
  const auto h0 = static_cast<std::int64_t>(static_cast<double>(h - crop_h) / 2);
  const auto w0 = static_cast<std::int64_t>(static_cast<double>(w - crop_w) / 2);
  return slice_axis(slice_axis(images, axes.height, h0, h0 + crop_h), axes.width, w0, w0 + crop_w);
}

// Keras pads one axis only: the height when it needs padding, else the width.
Tensor pad_to_aspect(const Tensor& images, SpatialAxes axes, std::int64_t target_h, std::int64_t target_w,
                     float fill_value) {
  const std::int64_t h = images.dim(axes.height), w = images.dim(axes.width);
  const auto pad_h = std::max<std::int64_t>(h, static_cast<std::int64_t>(static_cast<double>(w * target_h) / target_w));
  const auto pad_w = std::max<std::int64_t>(w, static_cast<std::int64_t>(static_cast<double>(h * target_w) / target_h));
  const auto h0 = static_cast<std::int64_t>(static_cast<double>(pad_h - h) / 2);
  const auto w0 = static_cast<std::int64_t>(static_cast<double>(pad_w - w) / 2);
  std::vector<std::pair<std::int64_t, std::int64_t>> pads(static_cast<std::size_t>(images.rank()), {0, 0});
  if (h0 > 0) {
    pads[static_cast<std::size_t>(axes.height)] = {h0, h0};
  } else if (w0 > 0) {
    pads[static_cast<std::size_t>(axes.width)] = {w0, w0};
  } else {
    return images;
  }
  return pad(images, pads, fill_value);
}

}  // namespace

std::optional<Interpolation> interpolation_from_name(std::string_view name) {
  if (name == "nearest") return Interpolation::nearest;
  if (name == "bilinear") return Interpolation::bilinear;
  if (name == "bicubic") return Interpolation::bicubic;
  if (name == "lanczos3") return Interpolation::lanczos3;
  if (name == "lanczos5") return Interpolation::lanczos5;
  return std::nullopt;
}

std::string_view interpolation_name(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::nearest: return "nearest";
    case Interpolation::bilinear: return "bilinear";
    case Interpolation::bicubic: return "bicubic";
    case Interpolation::lanczos3: return "lanczos3";
    case Interpolation::lanczos5: return "lanczos5";
  }
  return "?";
}

Tensor resize_weights(std::int64_t input_size, std::int64_t output_size, Interpolation interpolation, bool antialias) {
  if (input_size <= 0 || output_size <= 0) {
    throw ValueError("resize_weights: sizes must be positive, got " + std::to_string(input_size) + " -> " +
                     std::to_string(output_size));
  }
  // In double, as numpy computes them from Python float scales, then stored as float32.
  const double inv_scale = static_cast<double>(input_size) / static_cast<double>(output_size);
  const double kernel_scale = antialias ? std::max(inv_scale, 1.0) : 1.0;
  const double eps_threshold = 1000.0 * static_cast<double>(std::numeric_limits<float>::epsilon());
  Tensor out(Shape{input_size, output_size});
  float* w = out.data();
  std::vector<double> column(static_cast<std::size_t>(input_size));
  for (std::int64_t j = 0; j < output_size; ++j) {
    const double sample = (static_cast<double>(j) + 0.5) * inv_scale - 0.5;
    double total = 0.0;
    for (std::int64_t i = 0; i < input_size; ++i) {
      const double k = kernel_at(interpolation, std::fabs(sample - static_cast<double>(i)) / kernel_scale);
      column[static_cast<std::size_t>(i)] = k;
      total += k;
    }
    const bool inside = sample >= -0.5 && sample <= static_cast<double>(input_size) - 0.5;
    const bool usable = inside && std::fabs(total) > eps_threshold;
    for (std::int64_t i = 0; i < input_size; ++i) {
      w[i * output_size + j] =
          usable ? static_cast<float>(column[static_cast<std::size_t>(i)] / (total != 0.0 ? total : 1.0)) : 0.0f;
    }
  }
  return out;
}

Tensor resize(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeOptions& options) {
  const SpatialAxes axes = spatial_axes(images, options.channels_first, "resize");
  check_size(height, width, "resize");
  if (options.crop_to_aspect_ratio && options.pad_to_aspect_ratio) {
    throw ValueError("resize: only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.");
  }
  if (options.interpolation != Interpolation::nearest && images.dtype() != DType::float32) {
    throw ValueError("resize: " + std::string(interpolation_name(options.interpolation)) +
                     " interpolation needs float32 images, got " + std::string(dtype_name(images.dtype())));
  }
  Tensor x = images;
  if (options.crop_to_aspect_ratio) x = crop_to_aspect(x, axes, height, width);
  if (options.pad_to_aspect_ratio) x = pad_to_aspect(x, axes, height, width, options.fill_value);
  // Only the axes whose size changes are resampled (Keras's spatial_dims).
  for (const auto& [axis, size] : {std::pair{axes.height, height}, std::pair{axes.width, width}}) {
    if (x.dim(axis) == size) continue;
    if (x.dim(axis) == 0)
      throw ValueError("resize: cannot resize an empty axis of shape " + shape_to_string(x.shape()));
    x = options.interpolation == Interpolation::nearest
            ? resize_nearest_axis(x, axis, size)
            : resize_kernel_axis(x, axis, size, options.interpolation, options.antialias);
  }
  return x;
}

Tensor center_crop(const Tensor& images, std::int64_t height, std::int64_t width, bool channels_first) {
  const SpatialAxes axes = spatial_axes(images, channels_first, "center_crop");
  check_size(height, width, "center_crop");
  const std::int64_t h_diff = images.dim(axes.height) - height, w_diff = images.dim(axes.width) - width;
  if (h_diff >= 0 && w_diff >= 0) {
    const std::int64_t h0 = h_diff / 2, w0 = w_diff / 2;
    return slice_axis(slice_axis(images, axes.height, h0, h0 + height), axes.width, w0, w0 + width);
  }
  // Keras's smart_resize.
  ResizeOptions options;
  options.crop_to_aspect_ratio = true;
  options.channels_first = channels_first;
  return resize(images, height, width, options);
}

Tensor repeat(const Tensor& x, std::int64_t repeats, std::int64_t axis) {
  if (repeats < 0) throw ValueError("repeat: `repeats` must be non-negative, got " + std::to_string(repeats));
  const std::int64_t a = x.normalize_axis(axis);
  std::vector<std::int64_t> index;
  index.reserve(static_cast<std::size_t>(x.dim(a) * repeats));
  for (std::int64_t i = 0; i < x.dim(a); ++i) index.insert(index.end(), static_cast<std::size_t>(repeats), i);
  return gather_axis(x, a, index);
}

}  // namespace kplug::ops
