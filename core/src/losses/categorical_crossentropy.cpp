#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_arguments.hpp"
#include "losses/crossentropy_ops.hpp"
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
struct CategoricalArgs : loss_config::LossArgs, CrossentropyArguments {};
const loss_config::LossConfig<CategoricalArgs>& categorical_config() {
  static const loss_config::LossConfig<CategoricalArgs> config(
      "CategoricalCrossentropy", "categorical_crossentropy",
      config::Fields<CategoricalArgs>(detail::crossentropy_fields()));
  return config;
}
}  // namespace

CategoricalCrossentropy::CategoricalCrossentropy(CrossentropyArguments arguments, std::optional<std::string> reduction,
                                                 std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), arguments_(detail::validated(arguments)) {}

Tensor CategoricalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_crossentropy(y_true, y_pred, arguments_.from_logits, arguments_.label_smoothing.value,
                                  arguments_.axis);
}

void CategoricalCrossentropy::add_arguments(boost::json::object& config) const {
  categorical_config().write({{}, arguments_}, config);
}

std::shared_ptr<CategoricalCrossentropy> CategoricalCrossentropy::from_config(const boost::json::object& config,
                                                                              DeserializationContext& context) {
  CategoricalArgs a = categorical_config().read(config, context);
  return std::make_shared<CategoricalCrossentropy>(a, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
