// keras.layers image augmentation and preprocessing layers
// (keras/src/layers/preprocessing/image_preprocessing/), as Keras's predict runs them
// (training=False): every random layer returns its images unchanged (some cast them to
// float32 first, as Keras does, so uint8 in gives float32 out); AutoContrast and
// ContrastLimitedAdaptiveHistogramEqualization act at inference too. Their random
// transforms in training are a NotSupportedError. Pipeline runs a list of layers.
//
// One base, BaseImagePreprocessingLayer<Derived, Options>, holds what the family shares
// (data_format, bounding_box_format, the rank check, the inference pass); a layer is its
// Options struct (Keras's defaults) and its field list (Keras's get_config order).
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/config_reader.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/regularization.hpp"
#include "kplug/number.hpp"
#include "kplug/seed.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// A factor argument as a config holds it: one number, or a list of two.
struct Factor {
  std::vector<Number> values;  // one (a scalar) or two (lower, upper)
  static Factor scalar(Number v) { return {{v}}; }
  static Factor range(Number lower, Number upper) { return {{lower, upper}}; }
  friend bool operator==(const Factor&, const Factor&) = default;
};

// How a layer reads a factor (Keras's _set_factor and its variants).
struct FactorRule {
  double lower_bound = -1.0;  // Keras's _FACTOR_BOUNDS
  double upper_bound = 1.0;
  enum class Scalar {
    clamped,    // f -> [max(-|f|, lower_bound), |f|] (BaseImagePreprocessingLayer._set_factor)
    symmetric,  // f -> [-|f|, |f|] (RandomShear, RandomTranslation, RandomZoom)
    from_zero,  // f -> [0, f] (Solarization)
  } scalar = Scalar::clamped;
  // Lists: `loose` only refuses [a, b] with a > upper_bound or b < lower_bound (the base
  // class); otherwise each element must be within the bounds.
  bool loose = true;
  bool lower_bound_open = false;  // RandomZoom: -1 itself is refused
  // Written back as the config gave it (RandomTranslation, RandomZoom, RandomColorJitter),
  // else as the (lower, upper) pair Keras stores.
  bool as_given = false;
};

// Keras's standard value_range argument: two numbers.
using ValueRange = std::vector<Number>;
ValueRange default_value_range();  // [0, 255]

struct ImagePreprocessingOptions {
  std::string data_format = "channels_last";
  std::optional<std::string> bounding_box_format;
};

// What the family writes after the base layer keys: data_format, then bounding_box_format
// when set. Each layer's own keys follow.
config::Fields<ImagePreprocessingOptions> image_preprocessing_fields();

// A factor as `rule` reads it: Keras's message naming the key when it is out of range.
Factor read_factor(ConfigReader& reader, std::string_view key, const boost::json::value& value, const FactorRule& rule);
boost::json::value write_factor(const Factor& factor);
// value_range: two numbers, sorted when `sorted` (Keras's _set_value_range), else as given.
ValueRange read_value_range(ConfigReader& reader, std::string_view key, const boost::json::value& value, bool sorted);

template <class Options>
config::Field<Options> factor_field(std::string key, Factor Options::*member, FactorRule rule) {
  return config::custom_field<Options>(
      std::move(key),
      [member, rule](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.*member = read_factor(r, k, v, rule);
      },
      [member](const Options& o) { return write_factor(o.*member); }, false);
}
// An optional factor: null (or absent) is none.
template <class Options>
config::Field<Options> factor_field(std::string key, std::optional<Factor> Options::*member, FactorRule rule) {
  return config::custom_field<Options>(
      std::move(key),
      [member, rule](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        if (v.is_null()) {
          o.*member = std::nullopt;
        } else {
          o.*member = read_factor(r, k, v, rule);
        }
      },
      [member](const Options& o) { return o.*member ? write_factor(*(o.*member)) : boost::json::value(nullptr); });
}
template <class Options>
config::Field<Options> value_range_field(ValueRange Options::*member, bool sorted) {
  return config::custom_field<Options>(
      "value_range",
      [member, sorted](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.*member = read_value_range(r, k, v, sorted);
      },
      [member](const Options& o) { return config::Codec<ValueRange>::write(o.*member); }, false);
}

namespace detail {
// ValueError naming the layer unless `shape` is rank 3 (one image) or 4 (a batch).
void check_image_rank(const Layer& layer, const Shape& shape);
// Keras's transform_images at inference: `images` as float32 (Keras's cast to the compute
// dtype) when `cast`, else unchanged.
Tensor inference_images(const Tensor& images, bool cast);
// The fill_mode / interpolation choices of the geometric layers (NotImplementedError in Keras).
config::Check<std::string> one_of_or_not_implemented(std::string what, std::vector<std::string> choices);
void standardize_image_data_format(std::string& data_format);
}  // namespace detail

// The shared layer. `Derived` may declare
//   static constexpr bool casts_to_float32 = true;  // Keras casts before `if training:`
//   static constexpr bool random = false;           // deterministic: no training refusal
//   Tensor infer(const Tensor& images) const;       // a layer acting at inference
template <class Derived, class OptionsT>
class BaseImagePreprocessingLayer : public FieldsLayer<Derived, OptionsT> {
 public:
  BaseImagePreprocessingLayer(OptionsT options, LayerArgs args)
      : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {
    detail::standardize_image_data_format(this->options_.data_format);
  }
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override {
    return {this->single_shape(input_shapes)};
  }
  bool channels_first() const noexcept { return this->options_.data_format == "channels_first"; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override {
    this->expect_inputs(args, 1);
    const Tensor& images = args.inputs[0];
    detail::check_image_rank(*this, images.shape());
    const auto& self = static_cast<const Derived&>(*this);
    if constexpr (requires { Derived::random; }) {
      if (Derived::random && args.training) refuse_training(*this);
    } else {
      if (args.training) refuse_training(*this);
    }
    if constexpr (requires { self.infer(images); }) {
      return {self.infer(images)};
    } else if constexpr (requires { Derived::casts_to_float32; }) {
      return {detail::inference_images(images, Derived::casts_to_float32)};
    } else {
      return {detail::inference_images(images, false)};
    }
  }
};

// ---- geometric ----

struct RandomFlipOptions : ImagePreprocessingOptions {
  std::optional<Seed> seed;
  std::string mode = "horizontal_and_vertical";
};
class RandomFlip : public BaseImagePreprocessingLayer<RandomFlip, RandomFlipOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

// The fill and resampling keys of the affine layers.
struct FillOptions : ImagePreprocessingOptions {
  std::string fill_mode = "reflect";
  std::string interpolation = "bilinear";
  std::optional<Seed> seed;
  Number fill_value = Number::real(0.0);
};

struct RandomRotationOptions : FillOptions {
  Factor factor;  // required
};
class RandomRotation : public BaseImagePreprocessingLayer<RandomRotation, RandomRotationOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomZoomOptions : FillOptions {
  Factor height_factor;  // required
  std::optional<Factor> width_factor;
};
class RandomZoom : public BaseImagePreprocessingLayer<RandomZoom, RandomZoomOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomTranslationOptions : FillOptions {
  Factor height_factor;  // required
  Factor width_factor;   // required
};
class RandomTranslation : public BaseImagePreprocessingLayer<RandomTranslation, RandomTranslationOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomShearOptions : FillOptions {
  Factor x_factor = Factor::range(Number::real(-0.0), Number::real(0.0));  // Keras's [-0.0, 0.0]
  Factor y_factor = Factor::range(Number::real(-0.0), Number::real(0.0));
};
class RandomShear : public BaseImagePreprocessingLayer<RandomShear, RandomShearOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomCropOptions : ImagePreprocessingOptions {
  std::int64_t height = 0;   // required
  std::int64_t width = 0;    // required
  std::optional<Seed> seed;  // none: a random one, as Keras's make_default_seed
};
// Returns its input at inference (Keras 3.16 does), while its output shape is
// (height, width), as Keras's compute_output_shape says.
class RandomCrop : public BaseImagePreprocessingLayer<RandomCrop, RandomCropOptions> {
 public:
  static const config::Fields<Options>& fields();
  RandomCrop(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
};

struct RandomPerspectiveOptions : ImagePreprocessingOptions {
  Factor factor = Factor::range(Number::integer(0), Number::real(1.0));
  Number scale = Number::real(1.0);
  std::string interpolation = "bilinear";
  Number fill_value = Number::real(0.0);
  std::optional<Seed> seed;
};
class RandomPerspective : public BaseImagePreprocessingLayer<RandomPerspective, RandomPerspectiveOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomElasticTransformOptions : ImagePreprocessingOptions {
  Factor factor = Factor::range(Number::integer(0), Number::real(1.0));
  Factor scale = Factor::range(Number::integer(0), Number::real(1.0));
  std::string interpolation = "bilinear";
  std::string fill_mode = "reflect";
  Number fill_value = Number::real(0.0);
  ValueRange value_range = default_value_range();
  std::optional<Seed> seed;
};
class RandomElasticTransform
    : public BaseImagePreprocessingLayer<RandomElasticTransform, RandomElasticTransformOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

// ---- colour ----

// factor, value_range, seed: the colour layers' keys.
struct ColorOptions : ImagePreprocessingOptions {
  Factor factor;
  ValueRange value_range = default_value_range();
  std::optional<Seed> seed;
};

struct RandomContrastOptions : ColorOptions {};
class RandomContrast : public BaseImagePreprocessingLayer<RandomContrast, RandomContrastOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomBrightnessOptions : ColorOptions {};
class RandomBrightness : public BaseImagePreprocessingLayer<RandomBrightness, RandomBrightnessOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomHueOptions : ColorOptions {};
class RandomHue : public BaseImagePreprocessingLayer<RandomHue, RandomHueOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomSaturationOptions : ColorOptions {};
class RandomSaturation : public BaseImagePreprocessingLayer<RandomSaturation, RandomSaturationOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomSharpnessOptions : ColorOptions {};
class RandomSharpness : public BaseImagePreprocessingLayer<RandomSharpness, RandomSharpnessOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomInvertOptions : ColorOptions {
  RandomInvertOptions() { factor = Factor::range(Number::integer(0), Number::real(1.0)); }
};
class RandomInvert : public BaseImagePreprocessingLayer<RandomInvert, RandomInvertOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomPosterizationOptions : ColorOptions {};
class RandomPosterization : public BaseImagePreprocessingLayer<RandomPosterization, RandomPosterizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomColorDegenerationOptions : ColorOptions {};
class RandomColorDegeneration
    : public BaseImagePreprocessingLayer<RandomColorDegeneration, RandomColorDegenerationOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
  // Keras refuses images without 3 channels.
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
};

struct RandomGrayscaleOptions : ImagePreprocessingOptions {
  Number factor = Number::real(0.5);  // in [0, 1]
  std::optional<Seed> seed;           // taken, never written (Keras's get_config omits it)
};
class RandomGrayscale : public BaseImagePreprocessingLayer<RandomGrayscale, RandomGrayscaleOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomColorJitterOptions : ImagePreprocessingOptions {
  ValueRange value_range = default_value_range();
  std::optional<Factor> brightness_factor;  // each as given; none: that step is skipped
  std::optional<Factor> contrast_factor;
  std::optional<Factor> saturation_factor;
  std::optional<Factor> hue_factor;
  std::optional<Seed> seed;
};
class RandomColorJitter : public BaseImagePreprocessingLayer<RandomColorJitter, RandomColorJitterOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct SolarizationOptions : ImagePreprocessingOptions {
  ValueRange value_range = default_value_range();
  Factor addition_factor = Factor::range(Number::integer(0), Number::real(0.0));
  Factor threshold_factor = Factor::range(Number::integer(0), Number::real(0.0));
  std::optional<Seed> seed;
};
class Solarization : public BaseImagePreprocessingLayer<Solarization, SolarizationOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct EqualizationOptions : ImagePreprocessingOptions {
  std::int64_t bins = 256;
  ValueRange value_range = default_value_range();
};
// Identity at inference; equalizes (deterministically) in training, which kplug refuses.
class Equalization : public BaseImagePreprocessingLayer<Equalization, EqualizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct AutoContrastOptions : ImagePreprocessingOptions {
  ValueRange value_range = default_value_range();
};
// Stretches each image's channels to the whole value_range (ops::auto_contrast), at
// inference too; float32 out.
class AutoContrast : public BaseImagePreprocessingLayer<AutoContrast, AutoContrastOptions> {
 public:
  static constexpr bool random = false;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
  Tensor infer(const Tensor& images) const;
};

struct ContrastLimitedAdaptiveHistogramEqualizationOptions : ImagePreprocessingOptions {
  ValueRange value_range = default_value_range();
  Number clip_limit = Number::real(4.0);
  std::vector<std::int64_t> tile_grid_size{8, 8};
};
// CLAHE (ops::clahe), at inference too; the output has the input's dtype, as Keras casts back.
class ContrastLimitedAdaptiveHistogramEqualization
    : public BaseImagePreprocessingLayer<ContrastLimitedAdaptiveHistogramEqualization,
                                         ContrastLimitedAdaptiveHistogramEqualizationOptions> {
 public:
  static constexpr bool random = false;
  static const config::Fields<Options>& fields();
  ContrastLimitedAdaptiveHistogramEqualization(Options options, LayerArgs args);
  Tensor infer(const Tensor& images) const;
};

// ---- mixing, erasing, blurring, policies ----

struct RandomErasingOptions : ImagePreprocessingOptions {
  Factor factor = Factor::range(Number::integer(0), Number::real(1.0));
  Factor scale = Factor::range(Number::real(0.02), Number::real(0.33));
  std::optional<Number> fill_value;
  ValueRange value_range = default_value_range();
  std::optional<Seed> seed;
};
class RandomErasing : public BaseImagePreprocessingLayer<RandomErasing, RandomErasingOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandomGaussianBlurOptions : ImagePreprocessingOptions {
  Factor factor = Factor::range(Number::integer(0), Number::real(1.0));
  std::vector<Number> kernel_size{Number::integer(3), Number::integer(3)};  // odd numbers
  Factor sigma = Factor::range(Number::integer(0), Number::real(1.0));
  ValueRange value_range = default_value_range();
  std::optional<Seed> seed;
};
class RandomGaussianBlur : public BaseImagePreprocessingLayer<RandomGaussianBlur, RandomGaussianBlurOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct CutMixOptions : ImagePreprocessingOptions {
  Factor factor = Factor::range(Number::integer(0), Number::real(1.0));
  std::optional<Seed> seed;
};
class CutMix : public BaseImagePreprocessingLayer<CutMix, CutMixOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct MixUpOptions : ImagePreprocessingOptions {
  Number alpha = Number::real(0.2);
  std::optional<Seed> seed;
};
class MixUp : public BaseImagePreprocessingLayer<MixUp, MixUpOptions> {
 public:
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct AugMixOptions : ImagePreprocessingOptions {
  ValueRange value_range = default_value_range();
  std::int64_t num_chains = 3;
  std::int64_t chain_depth = 3;
  Factor factor = Factor::range(Number::integer(0), Number::real(0.3));
  Number alpha = Number::real(1.0);
  bool all_ops = true;
  std::string interpolation = "bilinear";
  std::optional<Seed> seed;
};
class AugMix : public BaseImagePreprocessingLayer<AugMix, AugMixOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct RandAugmentOptions : ImagePreprocessingOptions {
  ValueRange value_range = default_value_range();
  std::int64_t num_ops = 2;
  Factor factor = Factor::range(Number::integer(0), Number::real(0.5));
  std::string interpolation = "bilinear";
  std::optional<Seed> seed;
};
class RandAugment : public BaseImagePreprocessingLayer<RandAugment, RandAugmentOptions> {
 public:
  static constexpr bool casts_to_float32 = true;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

struct MaxNumBoundingBoxesOptions : ImagePreprocessingOptions {
  std::int64_t max_number = 0;   // required
  std::int64_t fill_value = -1;  // taken, never written (Keras's get_config omits it)
};
// Pads or trims bounding boxes; images pass through unchanged (in training too).
class MaxNumBoundingBoxes : public BaseImagePreprocessingLayer<MaxNumBoundingBoxes, MaxNumBoundingBoxesOptions> {
 public:
  static constexpr bool random = false;
  static const config::Fields<Options>& fields();
  using BaseImagePreprocessingLayer::BaseImagePreprocessingLayer;
};

// ---- Pipeline ----

struct PipelineOptions {
  std::vector<LayerPtr> layers;
};
// keras.layers.Pipeline: its layers in turn, each given `training` (and the mask the
// previous one computed). Its config is {"layers": [...], "name": ...} only; weights live
// under `layers` (layers/pipeline/layers/dense/vars/0).
class Pipeline : public FieldsLayer<Pipeline, PipelineOptions> {
 public:
  static const config::Fields<Options>& fields();
  static std::shared_ptr<Pipeline> from_config(const boost::json::object& config, DeserializationContext& context);
  Pipeline(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
