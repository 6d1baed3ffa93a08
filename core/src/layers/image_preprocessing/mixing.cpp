// The mixing, erasing, blurring and policy layers (keras/src/layers/preprocessing/
// image_preprocessing/): RandomErasing, RandomGaussianBlur, CutMix, MixUp, AugMix,
// RandAugment, MaxNumBoundingBoxes. At inference their images pass through (cast to float32
// except MixUp and MaxNumBoundingBoxes); only their configs are read and written here.
#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/image_preprocessing.hpp"
#include "layers/image_preprocessing/factor_rules.hpp"

#include <cmath>

namespace kplug::layers {

namespace {

config::Check<std::string> interpolation_check() {
  return detail::one_of_or_not_implemented("interpolation", {"nearest", "bilinear"});
}

// RandomGaussianBlur's _set_kernel_size: an odd number k (stored as [k, k]) or two of them.
config::Field<RandomGaussianBlurOptions> kernel_size_field() {
  using O = RandomGaussianBlurOptions;
  return config::custom_field<O>(
      "kernel_size",
      [](ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
        const std::string odd = "kernel_size must be an odd number. Received: kernel_size=" + json::excerpt(v);
        const auto is_even = [](const Number& n) { return std::fmod(n.value, 2.0) == 0.0; };
        if (const auto* list = v.if_array()) {
          if (list->size() != 2) {
            r.fail(k,
                   "The `kernel_size` argument should be a number (or a list of two numbers) Received: "
                   "kernel_size=" +
                       json::excerpt(v));
          }
          o.kernel_size = config::Codec<std::vector<Number>>::read(r, k, v);
        } else {
          if (!v.is_number()) r.fail(k, odd);
          const Number n = r.as_number(k, v);
          o.kernel_size = {n, n};
        }
        if (is_even(o.kernel_size[0]) || is_even(o.kernel_size[1])) r.fail(k, odd);
      },
      [](const O& o) { return config::Codec<std::vector<Number>>::write(o.kernel_size); }, false);
}

}  // namespace

const config::Fields<RandomErasingOptions>& RandomErasing::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("factor", &O::factor, factor_rules::unit()),
                        factor_field("scale", &O::scale, factor_rules::unit()),
                        config::field("fill_value", &O::fill_value), value_range_field(&O::value_range, false),
                        config::field("seed", &O::seed)};
  return list;
}

const config::Fields<RandomGaussianBlurOptions>& RandomGaussianBlur::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("factor", &O::factor, factor_rules::unit()), kernel_size_field(),
                        factor_field("sigma", &O::sigma, factor_rules::unit()),
                        value_range_field(&O::value_range, false), config::field("seed", &O::seed)};
  return list;
}

const config::Fields<CutMixOptions>& CutMix::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{factor_field("factor", &O::factor, factor_rules::unit()), config::field("seed", &O::seed)};
  return list;
}

const config::Fields<MixUpOptions>& MixUp::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{config::field("alpha", &O::alpha), config::field("seed", &O::seed)};
  return list;
}

const config::Fields<AugMixOptions>& AugMix::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{value_range_field(&O::value_range, false),
                        config::field("num_chains", &O::num_chains),
                        config::field("chain_depth", &O::chain_depth),
                        factor_field("factor", &O::factor, factor_rules::unit()),
                        config::field("alpha", &O::alpha),
                        config::field("all_ops", &O::all_ops),
                        config::field("interpolation", &O::interpolation).check(interpolation_check()),
                        config::field("seed", &O::seed)};
  return list;
}

const config::Fields<RandAugmentOptions>& RandAugment::fields() {
  using O = Options;
  static const config::Fields<O> list =
      config::Fields<O>(image_preprocessing_fields()) +
      config::Fields<O>{value_range_field(&O::value_range, false), config::field("num_ops", &O::num_ops),
                        factor_field("factor", &O::factor, factor_rules::unit()),
                        config::field("interpolation", &O::interpolation).check(interpolation_check()),
                        config::field("seed", &O::seed)};
  return list;
}

const config::Fields<MaxNumBoundingBoxesOptions>& MaxNumBoundingBoxes::fields() {
  using O = Options;
  static const config::Fields<O> list = config::Fields<O>(image_preprocessing_fields()) +
                                        config::Fields<O>{config::field("max_number", &O::max_number).required(),
                                                          config::field("fill_value", &O::fill_value).read_only()};
  return list;
}

}  // namespace kplug::layers
