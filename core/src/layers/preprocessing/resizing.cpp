// Resizing and CenterCrop: the image maths is ops::resize / ops::center_crop.
#include "kplug/errors.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/image.hpp"
#include "layers/spatial_options.hpp"

namespace kplug::layers {
namespace {

config::Check<std::int64_t> positive_size(const char* key) {
  return [key](const std::int64_t& v) {
    return v > 0 ? std::string() : "`" + std::string(key) + "` must be a positive integer, got " + std::to_string(v);
  };
}

// data_format, height, width: Resizing's and CenterCrop's leading keys.
const config::Fields<ImageSizeOptions>& image_size_fields() {
  using O = ImageSizeOptions;
  static const config::Fields<O> f{detail::data_format_field(&O::data_format),
                                   config::field("height", &O::height).required().check(positive_size("height")),
                                   config::field("width", &O::width).required().check(positive_size("width"))};
  return f;
}

// The constructors' checks of the leading keys; data_format lowered.
void standardize_image_size(ImageSizeOptions& o, const std::string& class_name) {
  detail::standardize_data_format(o.data_format);
  if (o.height <= 0 || o.width <= 0) {
    throw ValueError(class_name + ": `height` and `width` must be positive, got " + std::to_string(o.height) + " and " +
                     std::to_string(o.width));
  }
}

// Preprocessing layers compute in their float32 dtype.
Tensor as_float32(const Tensor& x) { return x.dtype() == DType::float32 ? x : ops::cast(x, DType::float32); }

}  // namespace

const config::Fields<ResizingOptions>& Resizing::fields() {
  using O = ResizingOptions;
  static const config::Fields<O> f = config::Fields<O>(image_size_fields()) +
                                     config::Fields<O>{config::field("interpolation", &O::interpolation),
                                                       config::field("crop_to_aspect_ratio", &O::crop_to_aspect_ratio),
                                                       config::field("pad_to_aspect_ratio", &O::pad_to_aspect_ratio),
                                                       config::field("fill_mode", &O::fill_mode),
                                                       config::field("fill_value", &O::fill_value),
                                                       config::field("antialias", &O::antialias)};
  return f;
}

const config::Fields<CenterCropOptions>& CenterCrop::fields() {
  static const config::Fields<CenterCropOptions> f(image_size_fields());
  return f;
}

// ---- Resizing ----

Resizing::Resizing(Options options, LayerArgs args) : ImageSizeLayer(std::move(options), std::move(args)) {
  standardize_image_size(options_, "Resizing");
  if (!ops::interpolation_from_name(options_.interpolation)) {
    throw NotSupportedError("Resizing: interpolation='" + options_.interpolation +
                            "' is not supported (kplug resizes with 'nearest', 'bilinear', 'bicubic', 'lanczos3', "
                            "'lanczos5')");
  }
  if (options_.fill_mode != "constant") {
    throw NotSupportedError("Resizing: fill_mode='" + options_.fill_mode +
                            "' is not supported (Keras's resize pads with fill_mode='constant' only)");
  }
  if (options_.crop_to_aspect_ratio && options_.pad_to_aspect_ratio) {
    throw ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be `True`.");
  }
}

std::vector<Tensor> Resizing::call(CallArgs& args) {
  expect_inputs(args, 1);
  ops::ResizeOptions o;
  o.interpolation = *ops::interpolation_from_name(options_.interpolation);
  o.antialias = options_.antialias;
  o.crop_to_aspect_ratio = options_.crop_to_aspect_ratio;
  o.pad_to_aspect_ratio = options_.pad_to_aspect_ratio;
  o.fill_value = static_cast<float>(options_.fill_value.value);
  o.channels_first = options_.data_format == "channels_first";
  return {ops::resize(as_float32(args.inputs[0]), options_.height, options_.width, o)};
}

// ---- CenterCrop ----

CenterCrop::CenterCrop(Options options, LayerArgs args) : ImageSizeLayer(std::move(options), std::move(args)) {
  standardize_image_size(options_, "CenterCrop");
}

std::vector<Tensor> CenterCrop::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {ops::center_crop(as_float32(args.inputs[0]), options_.height, options_.width,
                           options_.data_format == "channels_first")};
}

}  // namespace kplug::layers
