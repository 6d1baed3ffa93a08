// The geometric augmentation layers (keras/src/layers/preprocessing/image_preprocessing/):
// RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomShear, RandomCrop,
// RandomPerspective, RandomElasticTransform. At inference each returns its images (cast to
// float32, except RandomCrop); only their configs are read and written here.
#include "kplug/errors.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "layers/image_preprocessing/factor_rules.hpp"

#include <random>

namespace kplug::layers {

namespace {

using detail::one_of_or_not_implemented;

config::Check<std::string> fill_mode_check() {
  return one_of_or_not_implemented("fill_mode", {"reflect", "wrap", "constant", "nearest"});
}
config::Check<std::string> interpolation_check() {
  return one_of_or_not_implemented("interpolation", {"nearest", "bilinear"});
}

// fill_mode, interpolation, seed, fill_value: RandomZoom, RandomTranslation, RandomShear.
config::Fields<FillOptions> fill_fields() {
  using O = FillOptions;
  return {config::field("fill_mode", &O::fill_mode).check(fill_mode_check()),
          config::field("interpolation", &O::interpolation).check(interpolation_check()),
          config::field("seed", &O::seed), config::field("fill_value", &O::fill_value)};
}

}  // namespace

const config::Fields<RandomFlipOptions>& RandomFlip::fields() {
  static const config::Fields<Options> list =
      config::Fields<Options>(image_preprocessing_fields()) +
      config::Fields<Options>{config::field("seed", &Options::seed),
                              config::field("mode", &Options::mode)
                                  .check(config::one_of({"horizontal", "vertical", "horizontal_and_vertical"}))};
  return list;
}

const config::Fields<RandomRotationOptions>& RandomRotation::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("factor", &O::factor, factor_rules::base()).required(),
                        config::field("fill_mode", &O::fill_mode).check(fill_mode_check()),
                        config::field("fill_value", &O::fill_value),
                        config::field("interpolation", &O::interpolation).check(interpolation_check()),
                        config::field("seed", &O::seed)};
  return list;
}

const config::Fields<RandomZoomOptions>& RandomZoom::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("height_factor", &O::height_factor, factor_rules::zoom()).required(),
                        factor_field("width_factor", &O::width_factor, factor_rules::zoom())} +
      config::Fields<O>(fill_fields());
  return list;
}

const config::Fields<RandomTranslationOptions>& RandomTranslation::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("height_factor", &O::height_factor, factor_rules::translation()).required(),
                        factor_field("width_factor", &O::width_factor, factor_rules::translation()).required()} +
      config::Fields<O>(fill_fields());
  return list;
}

const config::Fields<RandomShearOptions>& RandomShear::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("x_factor", &O::x_factor, factor_rules::shear()),
                        factor_field("y_factor", &O::y_factor, factor_rules::shear())} +
      config::Fields<O>(fill_fields());
  return list;
}

// ---- RandomCrop ----

const config::Fields<RandomCropOptions>& RandomCrop::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{config::field("height", &O::height).required(), config::field("width", &O::width).required(),
                        config::field("seed", &O::seed)};
  return list;
}

namespace {
// Keras's backend.random.make_default_seed: python's random.randint(1, 1e9).
RandomCropOptions with_default_seed(RandomCropOptions options) {
  if (!options.seed) {
    std::random_device device;
    options.seed = Seed(static_cast<std::int64_t>(std::uniform_int_distribution<std::int64_t>(1, 1000000000)(device)));
  }
  return options;
}
}  // namespace

RandomCrop::RandomCrop(Options options, LayerArgs args)
    : BaseImagePreprocessingLayer(with_default_seed(std::move(options)), std::move(args)) {}

std::vector<PartialShape> RandomCrop::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() < 3) fail("expects images of rank 3 or 4, got shape " + out.to_string());
  const std::size_t h = out.rank() - (channels_first() ? 2 : 3);
  out[h] = options_.height;
  out[h + 1] = options_.width;
  return {out};
}

// ---- RandomPerspective, RandomElasticTransform ----

const config::Fields<RandomPerspectiveOptions>& RandomPerspective::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("factor", &O::factor, factor_rules::unit()),
                        config::field("scale", &O::scale).check(config::in_range(0.0, 1.0)),
                        config::field("interpolation", &O::interpolation).check(interpolation_check()),
                        config::field("fill_value", &O::fill_value), config::field("seed", &O::seed)};
  return list;
}

const config::Fields<RandomElasticTransformOptions>& RandomElasticTransform::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{
          factor_field("factor", &O::factor, factor_rules::unit()),
          factor_field("scale", &O::scale, factor_rules::unit()),
          config::field("interpolation", &O::interpolation).check(interpolation_check()),
          config::field("fill_mode", &O::fill_mode)
              .check(one_of_or_not_implemented("fill_mode", {"constant", "nearest", "wrap", "mirror", "reflect"})),
          config::field("fill_value", &O::fill_value),
          value_range_field(&O::value_range, false),
          config::field("seed", &O::seed)};
  return list;
}

}  // namespace kplug::layers
