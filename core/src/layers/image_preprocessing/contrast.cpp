// AutoContrast and ContrastLimitedAdaptiveHistogramEqualization (keras/src/layers/
// preprocessing/image_preprocessing/auto_contrast.py, clahe.py): the two image layers that
// act at inference. The maths is ops::auto_contrast / ops::clahe; here the value-range and
// layout conversions Keras wraps them in.
#include "kplug/errors.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "kplug/ops/image.hpp"
#include "kplug/ops/shape.hpp"

#include <cmath>

namespace kplug::layers {

namespace {

float lo(const ValueRange& range) { return to_float32(range[0].value); }
float hi(const ValueRange& range) { return to_float32(range[1].value); }

}  // namespace

const config::Fields<AutoContrastOptions>& AutoContrast::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) + config::Fields<O>{value_range_field(&O::value_range, true)};
  return list;
}

// Keras: to [0, 255], stretch, back to value_range; NaN results (constant channels) keep the
// input value; float32 out whatever came in.
Tensor AutoContrast::infer(const Tensor& images) const {
  const Tensor original = images.dtype() == DType::float32 ? images : images.astype(DType::float32);
  const bool unbatched = original.rank() == 3;
  Tensor x = unbatched ? original.expand_dims(0) : original;
  const ValueRange& range = options_.value_range;
  x = ops::transform_value_range(x, lo(range), hi(range), 0.0f, 255.0f);
  x = ops::auto_contrast(x);
  x = ops::transform_value_range(x, 0.0f, 255.0f, lo(range), hi(range));
  if (unbatched) x = x.squeeze(0);
  Tensor out = x.clone();
  const float* in = original.data();
  for (std::int64_t i = 0; i < out.size(); ++i) {
    if (std::isnan(out[i])) out[i] = in[i];
  }
  return out;
}

// ---- ContrastLimitedAdaptiveHistogramEqualization ----

const config::Fields<ContrastLimitedAdaptiveHistogramEqualizationOptions>&
ContrastLimitedAdaptiveHistogramEqualization::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{value_range_field(&O::value_range, false), config::field("clip_limit", &O::clip_limit),
                        config::field("tile_grid_size", &O::tile_grid_size)};
  return list;
}

ContrastLimitedAdaptiveHistogramEqualization::ContrastLimitedAdaptiveHistogramEqualization(Options options,
                                                                                           LayerArgs args)
    : BaseImagePreprocessingLayer(std::move(options), std::move(args)) {
  const auto& grid = options_.tile_grid_size;
  if (grid.size() != 2 || grid[0] < 1 || grid[1] < 1) {
    throw ValueError("Layer '" + name() +
                     "': `tile_grid_size` must be two positive integers (grid_h, grid_w). Received: tile_grid_size "
                     "of " +
                     std::to_string(grid.size()) + " values");
  }
}

// Keras: channels_last, to [0, 255], CLAHE, back to value_range, cast to the input's dtype.
Tensor ContrastLimitedAdaptiveHistogramEqualization::infer(const Tensor& images) const {
  const bool unbatched = images.rank() == 3;
  Tensor x = unbatched ? images.expand_dims(0) : images;
  if (channels_first()) x = ops::permute(x, {0, 2, 3, 1});
  if (x.dtype() != DType::float32) x = x.astype(DType::float32);
  const ValueRange& range = options_.value_range;
  x = ops::transform_value_range(x, lo(range), hi(range), 0.0f, 255.0f);
  x = ops::clahe(x, options_.clip_limit.value, options_.tile_grid_size[0], options_.tile_grid_size[1]);
  x = ops::transform_value_range(x, 0.0f, 255.0f, lo(range), hi(range));
  if (images.dtype() != DType::float32) x = x.astype(images.dtype());
  if (channels_first()) x = ops::permute(x, {0, 3, 1, 2});
  return unbatched ? x.squeeze(0) : x;
}

}  // namespace kplug::layers
