#include "addons_loss.hpp"

#include <algorithm>

namespace kplug_addons {

ContrastiveLoss::ContrastiveLoss(double margin, std::string reduction, std::string name)
    : AddonsLoss(std::move(reduction), std::move(name)), margin_(margin) {}

kplug::Tensor ContrastiveLoss::call(const kplug::Tensor& y_true, const kplug::Tensor& y_pred) const {
  const float margin = static_cast<float>(margin_);
  return kplug::ops::binary(y_true, y_pred, [margin](float y, float d) {
    const float gap = std::max(margin - d, 0.0f);
    return y * d * d + (1.0f - y) * gap * gap;
  });
}

boost::json::object ContrastiveLoss::get_config() const {
  boost::json::object config = base_config();
  config["margin"] = margin_;
  return config;
}

std::shared_ptr<ContrastiveLoss> ContrastiveLoss::from_config(const boost::json::object& config,
                                                              kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "ContrastiveLoss");
  auto [reduction, name] = read_base(reader, "auto", "contrastive_loss");
  const double margin = reader.real("margin", 1.0);
  reader.finish();
  return std::make_shared<ContrastiveLoss>(margin, std::move(reduction), std::move(name));
}

}  // namespace kplug_addons
