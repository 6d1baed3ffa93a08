#include "kplug/losses/crossentropy.hpp"

#include "kplug/errors.hpp"
#include "losses/crossentropy_ops.hpp"
#include "losses/crossentropy_options.hpp"
#include "losses/loss_fields.hpp"
#include "util/argument_checks.hpp"

#include <cmath>

namespace kplug::losses {

namespace {

// alpha as a tensor that broadcasts over the last (class) axis: one value or one per class.
Tensor alpha_weights(const std::vector<double>& alpha, std::int64_t num_classes) {
  if (alpha.size() == 1) return Tensor::scalar(static_cast<float>(alpha.front()));
  if (static_cast<std::int64_t>(alpha.size()) != num_classes) {
    throw ValueError("Argument `alpha` has " + std::to_string(alpha.size()) + " values but `y_pred` has " +
                     std::to_string(num_classes) + " classes: give one alpha, or one per class");
  }
  std::vector<float> values;
  for (double a : alpha) values.push_back(static_cast<float>(a));
  return Tensor(Shape{num_classes}, std::move(values));
}

std::vector<double> alpha_values(const std::vector<Number>& alpha) {
  std::vector<double> values;
  for (const Number& a : alpha) values.push_back(a.value);
  return values;
}

}  // namespace

Tensor categorical_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, const std::vector<double>& alpha,
                                      double gamma, bool from_logits, double label_smoothing, std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  const float g = static_cast<float>(detail::validate_gamma(gamma));
  if (alpha.empty()) throw ValueError("Argument `alpha` needs at least one value");
  for (double a : alpha) checks::require_finite(a, "alpha");
  detail::require_same_shape(y_true, y_pred);
  const std::int64_t a = detail::require_class_axis(y_pred, axis);
  // Work with the class axis last so that a per-class alpha broadcasts over it.
  const Tensor target = detail::smooth_categorical_labels(y_true, label_smoothing, a).move_axis_to_last(a);
  Tensor probabilities = y_pred.move_axis_to_last(a);
  if (from_logits) probabilities = detail::softmax(probabilities, -1);
  const Tensor output = detail::normalized_clipped_probabilities(probabilities, -1);
  const Tensor cce = -target * output.log();
  const Tensor modulating_factor = (1.0f - output).map([g](float v) { return std::pow(v, g); });
  const Tensor weighting_factor = modulating_factor * alpha_weights(alpha, output.dim(-1));
  return (weighting_factor * cce).sum(-1);
}

namespace {
struct CategoricalFocalOptions : loss_config::LossOptions, CrossentropyOptions {
  std::vector<Number> alpha{Number::real(0.25)};
  bool alpha_is_list = false;  // written back in the form it was given
  Number gamma = Number::real(2.0);
};
// A number, or one number per class.
config::Field<CategoricalFocalOptions> alpha_field() {
  return config::custom_field<CategoricalFocalOptions>(
      "alpha",
      [](ConfigReader& reader, std::string_view key, const boost::json::value& v, CategoricalFocalOptions& a) {
        a.alpha.clear();
        a.alpha_is_list = v.is_array();
        if (!a.alpha_is_list) {
          a.alpha.push_back(reader.as_number(key, v));
          return;
        }
        for (const boost::json::value& item : v.get_array()) {
          if (item.is_int64())
            a.alpha.push_back(Number::integer(item.get_int64()));
          else if (item.is_double())
            a.alpha.push_back(Number::real(item.get_double()));
          else
            reader.fail(key, "expected a number or a list of numbers");
        }
        if (a.alpha.empty()) reader.fail(key, "expected at least one value");
      },
      [](const CategoricalFocalOptions& a) {
        return a.alpha_is_list ? config::Codec<std::vector<Number>>::write(a.alpha) : a.alpha.front().to_json();
      },
      /*accepts_null=*/false);
}
const loss_config::LossConfig<CategoricalFocalOptions>& categorical_focal_config() {
  static const loss_config::LossConfig<CategoricalFocalOptions> config(
      "CategoricalFocalCrossentropy", "categorical_focal_crossentropy",
      config::Fields<CategoricalFocalOptions>(detail::crossentropy_fields()) +
          config::Fields<CategoricalFocalOptions>{alpha_field(),
                                                  config::field("gamma", &CategoricalFocalOptions::gamma)});
  return config;
}
}  // namespace

CategoricalFocalCrossentropy::CategoricalFocalCrossentropy(std::vector<Number> alpha, bool alpha_is_list, Number gamma,
                                                           CrossentropyOptions options,
                                                           std::optional<std::string> reduction, std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)),
      alpha_(std::move(alpha)),
      alpha_is_list_(alpha_is_list),
      gamma_(gamma),
      options_(detail::validated(options)) {
  if (alpha_.empty()) throw ValueError("Argument `alpha` needs at least one value");
  if (!alpha_is_list_ && alpha_.size() != 1) throw ValueError("A scalar `alpha` holds exactly one value");
  for (const Number& a : alpha_) checks::require_finite(a.value, "alpha");
  detail::validate_gamma(gamma_.value);
}

Tensor CategoricalFocalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_focal_crossentropy(y_true, y_pred, alpha_values(alpha_), gamma_.value, options_.from_logits,
                                        options_.label_smoothing.value, options_.axis);
}

void CategoricalFocalCrossentropy::add_arguments(boost::json::object& config) const {
  categorical_focal_config().write({{}, options_, alpha_, alpha_is_list_, gamma_}, config);
}

std::shared_ptr<CategoricalFocalCrossentropy> CategoricalFocalCrossentropy::from_config(
    const boost::json::object& config, DeserializationContext& context) {
  CategoricalFocalOptions a = categorical_focal_config().read(config, context);
  return std::make_shared<CategoricalFocalCrossentropy>(std::move(a.alpha), a.alpha_is_list, a.gamma, a,
                                                        std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
