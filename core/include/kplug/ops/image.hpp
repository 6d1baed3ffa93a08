// Image resampling as Keras's numpy backend does it (keras/src/backend/numpy/image.py):
// separable resizing with half-pixel centres (one weight matrix per resized axis, applied
// as a GEMM), nearest sampling at floor((i + 0.5) * in / out), crop or pad to the target
// aspect ratio first, and numpy's repeat (nearest up-sampling by an integer factor).
// Images are (batch, h, w, c) or (h, w, c) (channels_last) / (batch, c, h, w) or (c, h, w).
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

enum class Interpolation { nearest, bilinear, bicubic, lanczos3, lanczos5 };
// Keras's names ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"); nullopt otherwise.
std::optional<Interpolation> interpolation_from_name(std::string_view name);
std::string_view interpolation_name(Interpolation interpolation);

struct ResizeOptions {
  Interpolation interpolation = Interpolation::bilinear;
  bool antialias = false;  // widen the kernel by the down-scaling factor
  bool crop_to_aspect_ratio = false;
  bool pad_to_aspect_ratio = false;  // pads with fill_value (Keras's fill_mode "constant")
  float fill_value = 0.0f;
  bool channels_first = false;
};

// The (input_size, output_size) weights of one resized axis: out[j] = sum_i w[i, j] * in[i]
// (Keras's _compute_weight_mat with scale output/input, no translation). Not for nearest.
Tensor resize_weights(std::int64_t input_size, std::int64_t output_size, Interpolation interpolation,
                      bool antialias = false);

// Keras's ops.image.resize on a float32 rank-3 or rank-4 image tensor. ValueError for another
// rank, a non-positive size, or both aspect-ratio options.
Tensor resize(const Tensor& images, std::int64_t height, std::int64_t width, const ResizeOptions& options = {});

// Keras's CenterCrop: the central height x width window when the image is at least that
// large on both axes, else a bilinear resize after cropping to the target aspect ratio.
Tensor center_crop(const Tensor& images, std::int64_t height, std::int64_t width, bool channels_first = false);

// numpy's repeat(x, repeats, axis): every element repeated `repeats` times along `axis`
// (any dtype).
Tensor repeat(const Tensor& x, std::int64_t repeats, std::int64_t axis);

// ---- contrast (Keras's AutoContrast and ContrastLimitedAdaptiveHistogramEqualization) ----

// Keras's _transform_value_range in float32: (x - from_lo) / (from_hi - from_lo) *
// (to_hi - to_lo) + to_lo; `images` unchanged when the two ranges are equal.
Tensor transform_value_range(const Tensor& images, float from_lo, float from_hi, float to_lo, float to_hi);

// Keras's AutoContrast on rank-4 float32 images already in [0, 255]: each (image, last
// axis) slice, with min/max taken over axes 1 and 2 whatever the data format (as Keras
// does), is stretched to [0, 255]: x * s + (-low * s), s = 255 / (high - low), clipped.
// Constant slices give NaN (0 * inf), which the layer replaces by its input.
Tensor auto_contrast(const Tensor& images);

// Keras's CLAHE (clahe.py's _clahe) on rank-4 channels_last float32 images in [0, 255]: the
// image padded (numpy "symmetric") to a tile_h x tile_w multiple, a 256-bin histogram per
// tile and channel (pixel values truncated to integers), clipped at clip_limit * tile
// area / 256 with the excess spread evenly (when clip_limit > 0), its CDF scaled to
// [0, 255], and each pixel's value bilinearly interpolated between the four nearest tile
// centres' mappings (edge tiles replicated). Float32 throughout, in Keras's order.
Tensor clahe(const Tensor& images, double clip_limit, std::int64_t grid_h, std::int64_t grid_w);

}  // namespace kplug::ops
#pragma GCC visibility pop
