#include "kplug/losses/crossentropy.hpp"

#include "kplug/errors.hpp"
#include "losses/crossentropy_arguments.hpp"
#include "losses/crossentropy_ops.hpp"
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

CategoricalFocalCrossentropy::CategoricalFocalCrossentropy(std::vector<Number> alpha, bool alpha_is_list,
                                                           Number gamma, CrossentropyArguments arguments,
                                                           std::optional<std::string> reduction, std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)),
      alpha_(std::move(alpha)),
      alpha_is_list_(alpha_is_list),
      gamma_(gamma),
      arguments_(detail::validated(arguments)) {
  if (alpha_.empty()) throw ValueError("Argument `alpha` needs at least one value");
  if (!alpha_is_list_ && alpha_.size() != 1) throw ValueError("A scalar `alpha` holds exactly one value");
  for (const Number& a : alpha_) checks::require_finite(a.value, "alpha");
  detail::validate_gamma(gamma_.value);
}

Tensor CategoricalFocalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_focal_crossentropy(y_true, y_pred, alpha_values(alpha_), gamma_.value, arguments_.from_logits,
                                        arguments_.label_smoothing.value, arguments_.axis);
}

void CategoricalFocalCrossentropy::add_arguments(boost::json::object& config) const {
  detail::write_crossentropy_arguments(arguments_, config);
  if (alpha_is_list_) {
    boost::json::array list;
    for (const Number& a : alpha_) list.push_back(a.to_json());
    config["alpha"] = std::move(list);
  } else {
    config["alpha"] = alpha_.front().to_json();
  }
  config["gamma"] = gamma_.to_json();
}

std::shared_ptr<CategoricalFocalCrossentropy> CategoricalFocalCrossentropy::from_config(
    const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "CategoricalFocalCrossentropy");
  BaseArguments base = read_base(reader, "categorical_focal_crossentropy");
  std::vector<Number> alpha;
  bool alpha_is_list = false;
  const boost::json::value* raw_alpha = reader.raw("alpha");
  if (raw_alpha && raw_alpha->is_array()) {
    alpha_is_list = true;
    for (const boost::json::value& v : raw_alpha->get_array()) {
      if (v.is_int64()) alpha.push_back(Number::integer(v.get_int64()));
      else if (v.is_double()) alpha.push_back(Number::real(v.get_double()));
      else reader.fail("alpha", "expected a number or a list of numbers");
    }
    if (alpha.empty()) reader.fail("alpha", "expected at least one value");
  } else {
    alpha.push_back(reader.number("alpha", Number::real(0.25)));
  }
  const Number gamma = reader.number("gamma", Number::real(2.0));
  const CrossentropyArguments arguments = detail::read_crossentropy_arguments(reader);
  reader.finish();
  return std::make_shared<CategoricalFocalCrossentropy>(std::move(alpha), alpha_is_list, gamma, arguments,
                                                        std::move(base.reduction), std::move(base.name));
}

}  // namespace kplug::losses
