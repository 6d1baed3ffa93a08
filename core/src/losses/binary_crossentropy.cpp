#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_ops.hpp"
#include "losses/crossentropy_options.hpp"
#include "losses/loss_fields.hpp"

namespace kplug::losses {

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                           std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  const Tensor target = detail::smooth_binary_labels(y_true, label_smoothing);
  return detail::elementwise_binary_crossentropy(target, y_pred, from_logits).mean(axis);
}

namespace {
struct BinaryOptions : loss_config::LossOptions, CrossentropyOptions {};
const loss_config::LossConfig<BinaryOptions>& binary_config() {
  static const loss_config::LossConfig<BinaryOptions> config(
      "BinaryCrossentropy", "binary_crossentropy", config::Fields<BinaryOptions>(detail::crossentropy_fields()));
  return config;
}
}  // namespace

BinaryCrossentropy::BinaryCrossentropy(CrossentropyOptions options, std::optional<std::string> reduction,
                                       std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), options_(detail::validated(options)) {}

Tensor BinaryCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return binary_crossentropy(y_true, y_pred, options_.from_logits, options_.label_smoothing.value, options_.axis);
}

void BinaryCrossentropy::add_arguments(boost::json::object& config) const {
  binary_config().write({{}, options_}, config);
}

std::shared_ptr<BinaryCrossentropy> BinaryCrossentropy::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  BinaryOptions a = binary_config().read(config, context);
  return std::make_shared<BinaryCrossentropy>(a, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
