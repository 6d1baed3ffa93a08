#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_arguments.hpp"
#include "losses/crossentropy_ops.hpp"
#include "losses/loss_fields.hpp"

namespace kplug::losses {

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                           std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  const Tensor target = detail::smooth_binary_labels(y_true, label_smoothing);
  return detail::elementwise_binary_crossentropy(target, y_pred, from_logits).mean(axis);
}

namespace {
struct BinaryArgs : loss_config::LossArgs, CrossentropyArguments {};
const loss_config::LossConfig<BinaryArgs>& binary_config() {
  static const loss_config::LossConfig<BinaryArgs> config("BinaryCrossentropy", "binary_crossentropy",
                                                          config::Fields<BinaryArgs>(detail::crossentropy_fields()));
  return config;
}
}  // namespace

BinaryCrossentropy::BinaryCrossentropy(CrossentropyArguments arguments, std::optional<std::string> reduction,
                                       std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), arguments_(detail::validated(arguments)) {}

Tensor BinaryCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return binary_crossentropy(y_true, y_pred, arguments_.from_logits, arguments_.label_smoothing.value, arguments_.axis);
}

void BinaryCrossentropy::add_arguments(boost::json::object& config) const {
  binary_config().write({{}, arguments_}, config);
}

std::shared_ptr<BinaryCrossentropy> BinaryCrossentropy::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  BinaryArgs a = binary_config().read(config, context);
  return std::make_shared<BinaryCrossentropy>(a, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
