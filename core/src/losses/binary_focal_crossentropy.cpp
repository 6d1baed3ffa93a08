#include "kplug/losses/crossentropy.hpp"

#include "losses/crossentropy_ops.hpp"
#include "losses/crossentropy_options.hpp"
#include "losses/loss_fields.hpp"
#include "util/argument_checks.hpp"

#include <cmath>

namespace kplug::losses {

Tensor binary_focal_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool apply_class_balancing, double alpha,
                                 double gamma, bool from_logits, double label_smoothing, std::int64_t axis) {
  detail::validate_label_smoothing(label_smoothing);
  checks::require_finite(alpha, "alpha");
  const float g = to_float32(detail::validate_gamma(gamma));
  const Tensor target = detail::smooth_binary_labels(y_true, label_smoothing);
  // Keras turns logits into probabilities first, so the focal loss is clipped like the
  // probability form (not the log-sigmoid form of binary_crossentropy).
  const Tensor probabilities = from_logits ? y_pred.sigmoid() : y_pred;
  const Tensor bce = detail::elementwise_binary_crossentropy(target, probabilities, false);
  const Tensor p_t = target * probabilities + (1.0f - target) * (1.0f - probabilities);
  const Tensor focal_factor = (1.0f - p_t).map([g](float v) { return std::pow(v, g); });
  Tensor focal_bce = focal_factor * bce;
  if (apply_class_balancing) {
    const float a = to_float32(alpha);
    focal_bce = (target * a + (1.0f - target) * (1.0f - a)) * focal_bce;
  }
  return focal_bce.mean(axis);
}

namespace {
struct BinaryFocalOptions : loss_config::LossOptions, CrossentropyOptions {
  bool apply_class_balancing = false;
  Number alpha = Number::real(0.25);
  Number gamma = Number::real(2.0);
};
const loss_config::LossConfig<BinaryFocalOptions>& binary_focal_config() {
  static const loss_config::LossConfig<BinaryFocalOptions> config(
      "BinaryFocalCrossentropy", "binary_focal_crossentropy",
      config::Fields<BinaryFocalOptions>(detail::crossentropy_fields()) +
          config::Fields<BinaryFocalOptions>{
              config::field("apply_class_balancing", &BinaryFocalOptions::apply_class_balancing),
              config::field("alpha", &BinaryFocalOptions::alpha), config::field("gamma", &BinaryFocalOptions::gamma)});
  return config;
}
}  // namespace

BinaryFocalCrossentropy::BinaryFocalCrossentropy(bool apply_class_balancing, Number alpha, Number gamma,
                                                 CrossentropyOptions options, std::optional<std::string> reduction,
                                                 std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)),
      apply_class_balancing_(apply_class_balancing),
      alpha_(alpha),
      gamma_(gamma),
      options_(detail::validated(options)) {
  checks::require_finite(alpha_.value, "alpha");
  detail::validate_gamma(gamma_.value);
}

Tensor BinaryFocalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return binary_focal_crossentropy(y_true, y_pred, apply_class_balancing_, alpha_.value, gamma_.value,
                                   options_.from_logits, options_.label_smoothing.value, options_.axis);
}

void BinaryFocalCrossentropy::add_arguments(boost::json::object& config) const {
  binary_focal_config().write({{}, options_, apply_class_balancing_, alpha_, gamma_}, config);
}

std::shared_ptr<BinaryFocalCrossentropy> BinaryFocalCrossentropy::from_config(const boost::json::object& config,
                                                                              DeserializationContext& context) {
  BinaryFocalOptions a = binary_focal_config().read(config, context);
  return std::make_shared<BinaryFocalCrossentropy>(a.apply_class_balancing, a.alpha, a.gamma, a, std::move(a.reduction),
                                                   std::move(*a.name));
}

}  // namespace kplug::losses
