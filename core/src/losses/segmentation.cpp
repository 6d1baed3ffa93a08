// Dice and Tversky: overlap losses for segmentation masks.
#include "kplug/errors.hpp"
#include "kplug/losses/regression.hpp"

#include "losses/loss_fields.hpp"
#include "losses/regression_math.hpp"
#include "util/argument_checks.hpp"

#include <cmath>

namespace kplug::losses {

using detail::sum_over_axes;

boost::json::value ReductionAxes::to_json() const {
  if (!axes) return nullptr;
  if (!as_list && axes->size() == 1) return axes->front();
  boost::json::array out;
  for (std::int64_t axis : *axes) out.push_back(axis);
  return out;
}

namespace {

// null (every axis), an integer or a list of integers, written back in the form given.
template <class Options>
config::Field<Options> reduction_axes_field() {
  return config::custom_field<Options>(
      "axis",
      [](ConfigReader& reader, std::string_view key, const boost::json::value& v, Options& a) {
        std::optional<std::vector<std::int64_t>> axes = reader.optional_int_list(key);
        if (!axes)
          a.axis = ReductionAxes::all();
        else
          a.axis = v.is_array() ? ReductionAxes::list(std::move(*axes)) : ReductionAxes::single(axes->front());
      },
      [](const Options& a) { return a.axis.to_json(); });
}

struct DiceOptions : loss_config::LossOptions {
  ReductionAxes axis = ReductionAxes::all();
};
const loss_config::LossConfig<DiceOptions>& dice_config() {
  static const loss_config::LossConfig<DiceOptions> config("Dice", "dice", {reduction_axes_field<DiceOptions>()});
  return config;
}

struct TverskyOptions : loss_config::LossOptions {
  Number alpha = Number::real(0.5);
  Number beta = Number::real(0.5);
  ReductionAxes axis = ReductionAxes::all();
};
const loss_config::LossConfig<TverskyOptions>& tversky_config() {
  static const loss_config::LossConfig<TverskyOptions> config(
      "Tversky", "tversky",
      {config::field("alpha", &TverskyOptions::alpha).check(config::finite()),
       config::field("beta", &TverskyOptions::beta).check(config::finite()), reduction_axes_field<TverskyOptions>()});
  return config;
}

}  // namespace

Tensor dice(const Tensor& y_true, const Tensor& y_pred, const std::optional<std::vector<std::int64_t>>& axis) {
  const Tensor intersection = sum_over_axes(y_true * y_pred, axis);
  const Tensor total = sum_over_axes(y_true, axis) + sum_over_axes(y_pred, axis) + kKerasEpsilon;
  return 1.0f - (2.0f * intersection) / total;
}

Tensor tversky(const Tensor& y_true, const Tensor& y_pred, double alpha, double beta,
               const std::optional<std::vector<std::int64_t>>& axis) {
  // Keras's names: with inputs = y_true and targets = y_pred, "fp" = sum((1 - targets) * inputs).
  const Tensor intersection = sum_over_axes(y_true * y_pred, axis);
  const Tensor fp = sum_over_axes((1.0f - y_pred) * y_true, axis);
  const Tensor fn = sum_over_axes(y_pred * (1.0f - y_true), axis);
  const Tensor denominator = intersection + fp * to_float32(alpha) + fn * to_float32(beta) + kKerasEpsilon;
  return 1.0f - intersection / denominator;
}

Dice::Dice(std::optional<std::string> reduction, std::string name, ReductionAxes axis)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), axis_(std::move(axis)) {}

Tensor Dice::compute(const Tensor& y_true, const Tensor& y_pred) const { return dice(y_true, y_pred, axis_.axes); }

void Dice::add_arguments(boost::json::object& config) const { dice_config().write({{}, axis_}, config); }

std::shared_ptr<Dice> Dice::from_config(const boost::json::object& config, DeserializationContext& context) {
  DiceOptions a = dice_config().read(config, context);
  return std::make_shared<Dice>(std::move(a.reduction), std::move(*a.name), std::move(a.axis));
}

Tversky::Tversky(Number alpha, Number beta, std::optional<std::string> reduction, std::string name, ReductionAxes axis)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), alpha_(alpha), beta_(beta), axis_(std::move(axis)) {
  // Keras does not check alpha and beta; kplug asks for finite numbers so the loss stays defined.
  checks::require_finite(alpha_.value, "alpha");
  checks::require_finite(beta_.value, "beta");
}

Tensor Tversky::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return tversky(y_true, y_pred, alpha_.value, beta_.value, axis_.axes);
}

void Tversky::add_arguments(boost::json::object& config) const {
  tversky_config().write({{}, alpha_, beta_, axis_}, config);
}

std::shared_ptr<Tversky> Tversky::from_config(const boost::json::object& config, DeserializationContext& context) {
  TverskyOptions a = tversky_config().read(config, context);
  return std::make_shared<Tversky>(a.alpha, a.beta, std::move(a.reduction), std::move(*a.name), std::move(a.axis));
}

}  // namespace kplug::losses
