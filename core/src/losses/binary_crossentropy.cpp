#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_arguments.hpp"
#include "losses/crossentropy_ops.hpp"

namespace kplug::losses {

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                           std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  const Tensor target = detail::smooth_binary_labels(y_true, label_smoothing);
  return detail::elementwise_binary_crossentropy(target, y_pred, from_logits).mean(axis);
}

BinaryCrossentropy::BinaryCrossentropy(CrossentropyArguments arguments, std::optional<std::string> reduction,
                                       std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), arguments_(detail::validated(arguments)) {}

Tensor BinaryCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return binary_crossentropy(y_true, y_pred, arguments_.from_logits, arguments_.label_smoothing.value,
                             arguments_.axis);
}

void BinaryCrossentropy::add_arguments(boost::json::object& config) const {
  detail::write_crossentropy_arguments(arguments_, config);
}

std::shared_ptr<BinaryCrossentropy> BinaryCrossentropy::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "BinaryCrossentropy");
  BaseArguments base = read_base(reader, "binary_crossentropy");
  const CrossentropyArguments arguments = detail::read_crossentropy_arguments(reader);
  reader.finish();
  return std::make_shared<BinaryCrossentropy>(arguments, std::move(base.reduction), std::move(base.name));
}

}  // namespace kplug::losses
