#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_arguments.hpp"
#include "losses/crossentropy_ops.hpp"

namespace kplug::losses {

Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                double label_smoothing, std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  detail::require_same_shape(y_true, y_pred);
  const std::int64_t a = detail::require_class_axis(y_pred, axis);
  const Tensor target = detail::smooth_categorical_labels(y_true, label_smoothing, a);
  return -(target * detail::categorical_log_probabilities(y_pred, from_logits, a)).sum(a);
}

CategoricalCrossentropy::CategoricalCrossentropy(CrossentropyArguments arguments,
                                                 std::optional<std::string> reduction, std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), arguments_(detail::validated(arguments)) {}

Tensor CategoricalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_crossentropy(y_true, y_pred, arguments_.from_logits, arguments_.label_smoothing.value,
                                  arguments_.axis);
}

void CategoricalCrossentropy::add_arguments(boost::json::object& config) const {
  detail::write_crossentropy_arguments(arguments_, config);
}

std::shared_ptr<CategoricalCrossentropy> CategoricalCrossentropy::from_config(const boost::json::object& config,
                                                                              DeserializationContext& context) {
  ConfigReader reader(config, context, "CategoricalCrossentropy");
  BaseArguments base = read_base(reader, "categorical_crossentropy");
  const CrossentropyArguments arguments = detail::read_crossentropy_arguments(reader);
  reader.finish();
  return std::make_shared<CategoricalCrossentropy>(arguments, std::move(base.reduction), std::move(base.name));
}

}  // namespace kplug::losses
