#include "addons_loss.hpp"

#include <cmath>

namespace kplug_addons {

SigmoidFocalCrossEntropy::SigmoidFocalCrossEntropy(bool from_logits, double alpha, double gamma, std::string reduction,
                                                   std::string name)
    : AddonsLoss(std::move(reduction), std::move(name)), from_logits_(from_logits), alpha_(alpha), gamma_(gamma) {
  if (gamma_ < 0) throw kplug::ValueError("Value of gamma should be greater than or equal to zero.");
}

kplug::Tensor SigmoidFocalCrossEntropy::call(const kplug::Tensor& y_true, const kplug::Tensor& y_pred) const {
  const kplug::Tensor ce = elementwise_binary_crossentropy(y_true, y_pred, from_logits_);
  const kplug::Tensor prob = from_logits_ ? y_pred.sigmoid() : y_pred;
  const kplug::Tensor p_t = y_true * prob + (1.0f - y_true) * (1.0f - prob);
  kplug::Tensor weight = ce;
  if (alpha_ != 0.0) {
    const float a = static_cast<float>(alpha_);
    weight = weight * (y_true * a + (1.0f - y_true) * (1.0f - a));
  }
  if (gamma_ != 0.0) {
    const float g = static_cast<float>(gamma_);
    weight = weight * (1.0f - p_t).map([g](float v) { return std::pow(v, g); });
  }
  return weight.sum(-1);
}

boost::json::object SigmoidFocalCrossEntropy::get_config() const {
  boost::json::object config = base_config();
  config["from_logits"] = from_logits_;
  config["alpha"] = alpha_;
  config["gamma"] = gamma_;
  return config;
}

std::shared_ptr<SigmoidFocalCrossEntropy> SigmoidFocalCrossEntropy::from_config(
    const boost::json::object& config, kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "SigmoidFocalCrossEntropy");
  auto [reduction, name] = read_base(reader, "none", "sigmoid_focal_crossentropy");
  const bool from_logits = reader.boolean("from_logits", false);
  const double alpha = reader.real("alpha", 0.25);
  const double gamma = reader.real("gamma", 2.0);
  reader.finish();
  return std::make_shared<SigmoidFocalCrossEntropy>(from_logits, alpha, gamma, std::move(reduction), std::move(name));
}

}  // namespace kplug_addons
