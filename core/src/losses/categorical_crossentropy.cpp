#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_ops.hpp"
#include "losses/crossentropy_options.hpp"
#include "losses/loss_fields.hpp"

namespace kplug::losses {

Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                                std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  detail::require_same_shape(y_true, y_pred);
  const std::int64_t a = detail::require_class_axis(y_pred, axis);
  const Tensor target = detail::smooth_categorical_labels(y_true, label_smoothing, a);
  return -(target * detail::categorical_log_probabilities(y_pred, from_logits, a)).sum(a);
}

namespace {
struct CategoricalOptions : loss_config::LossOptions, CrossentropyOptions {};
const loss_config::LossConfig<CategoricalOptions>& categorical_config() {
  static const loss_config::LossConfig<CategoricalOptions> config(
      "CategoricalCrossentropy", "categorical_crossentropy",
      config::Fields<CategoricalOptions>(detail::crossentropy_fields()));
  return config;
}
}  // namespace

CategoricalCrossentropy::CategoricalCrossentropy(CrossentropyOptions options, std::optional<std::string> reduction,
                                                 std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), options_(detail::validated(options)) {}

Tensor CategoricalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_crossentropy(y_true, y_pred, options_.from_logits, options_.label_smoothing.value, options_.axis);
}

void CategoricalCrossentropy::add_arguments(boost::json::object& config) const {
  categorical_config().write({{}, options_}, config);
}

std::shared_ptr<CategoricalCrossentropy> CategoricalCrossentropy::from_config(const boost::json::object& config,
                                                                              DeserializationContext& context) {
  CategoricalOptions a = categorical_config().read(config, context);
  return std::make_shared<CategoricalCrossentropy>(a, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
