// The colour augmentation layers (keras/src/layers/preprocessing/image_preprocessing/):
// RandomContrast, RandomBrightness, RandomHue, RandomSaturation, RandomSharpness,
// RandomInvert, RandomPosterization, RandomColorDegeneration, RandomGrayscale,
// RandomColorJitter, Solarization, Equalization. Identity at inference (RandomSharpness and
// Solarization cast to float32 first); only their configs are read and written here.
#include "kplug/errors.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "layers/image_preprocessing/factor_rules.hpp"

namespace kplug::layers {

namespace {

// factor, value_range, seed (the order of most colour layers' get_config).
config::Fields<ColorOptions> color_fields(FactorRule rule, bool factor_required, bool sorted_value_range) {
  using O = ColorOptions;
  config::Field<O> factor = factor_field("factor", &O::factor, rule);
  if (factor_required) factor.required();
  return config::Fields<O>(image_preprocessing_fields()) +
         config::Fields<O>{factor, value_range_field(&O::value_range, sorted_value_range),
                           config::field("seed", &O::seed)};
}

// One static list per colour layer.
template <class Options>
const config::Fields<Options>& color_list(FactorRule rule, bool factor_required, bool sorted_value_range) {
  static const config::Fields<Options> list(color_fields(rule, factor_required, sorted_value_range));
  return list;
}

}  // namespace

const config::Fields<RandomContrastOptions>& RandomContrast::fields() {
  return color_list<Options>(factor_rules::unit(), true, false);
}

const config::Fields<RandomBrightnessOptions>& RandomBrightness::fields() {
  return color_list<Options>(factor_rules::base(), true, true);
}

const config::Fields<RandomHueOptions>& RandomHue::fields() {
  return color_list<Options>(factor_rules::unit(), true, false);
}

const config::Fields<RandomSaturationOptions>& RandomSaturation::fields() {
  return color_list<Options>(factor_rules::base(), true, true);
}

const config::Fields<RandomSharpnessOptions>& RandomSharpness::fields() {
  return color_list<Options>(factor_rules::unit(), true, true);
}

const config::Fields<RandomInvertOptions>& RandomInvert::fields() {
  return color_list<Options>(factor_rules::unit(), false, false);
}

const config::Fields<RandomPosterizationOptions>& RandomPosterization::fields() {
  return color_list<Options>(factor_rules::bits(), true, true);
}

const config::Fields<RandomColorDegenerationOptions>& RandomColorDegeneration::fields() {
  return color_list<Options>(factor_rules::base(), true, true);
}

std::vector<PartialShape> RandomColorDegeneration::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != 3 && in.rank() != 4) {
    fail("Invalid images rank: expected rank 3 (single image) or rank 4 (batch of images). Received: input_shape=" +
         in.to_string());
  }
  const Dim channels = in[channels_first() ? in.rank() - 3 : in.rank() - 1];
  if (channels && *channels != 3) {
    fail("Input images must have 3 channels, but received images with " + std::to_string(*channels) + " channels.");
  }
  return {in};
}

const config::Fields<RandomGrayscaleOptions>& RandomGrayscale::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{config::field("factor", &O::factor).check([](const Number& f) -> std::string {
                          if (f.value < 0 || f.value > 1) {
                            return "`factor` should be between 0 and 1. Received: factor=" + json::write(f.to_json());
                          }
                          return {};
                        }),
                        config::field("seed", &O::seed).read_only()};
  return list;
}

const config::Fields<RandomColorJitterOptions>& RandomColorJitter::fields() {
  using O = Options;
  using factor_rules::as_given;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{value_range_field(&O::value_range, false),
                        factor_field("brightness_factor", &O::brightness_factor, as_given(factor_rules::base())),
                        factor_field("contrast_factor", &O::contrast_factor, as_given(factor_rules::unit())),
                        factor_field("saturation_factor", &O::saturation_factor, as_given(factor_rules::base())),
                        factor_field("hue_factor", &O::hue_factor, as_given(factor_rules::unit())),
                        config::field("seed", &O::seed)};
  return list;
}

const config::Fields<SolarizationOptions>& Solarization::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{value_range_field(&O::value_range, true),
                        factor_field("addition_factor", &O::addition_factor, factor_rules::solarization()),
                        factor_field("threshold_factor", &O::threshold_factor, factor_rules::solarization()),
                        config::field("seed", &O::seed)};
  return list;
}

const config::Fields<EqualizationOptions>& Equalization::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{config::field("bins", &O::bins), value_range_field(&O::value_range, true)};
  return list;
}

}  // namespace kplug::layers
