#include "addons_loss.hpp"

#include <algorithm>
#include <cmath>

namespace kplug_addons {

AddonsLoss::AddonsLoss(std::string reduction, std::string name)
    : reduction_(std::move(reduction)), name_(std::move(name)) {
  if (reduction_ != "auto" && reduction_ != "none" && reduction_ != "sum" && reduction_ != "sum_over_batch_size") {
    throw kplug::ValueError("Invalid reduction '" + reduction_ +
                            "'; TensorFlow Addons losses take 'auto', 'none', 'sum' or 'sum_over_batch_size'");
  }
}

std::string AddonsLoss::reduction() const { return reduction_ == "auto" ? "sum_over_batch_size" : reduction_; }

boost::json::object AddonsLoss::base_config() const { return {{"reduction", reduction_}, {"name", name_}}; }

std::pair<std::string, std::string> AddonsLoss::read_base(kplug::ConfigReader& reader, std::string default_reduction,
                                                          std::string default_name) {
  std::string reduction = reader.string("reduction", std::move(default_reduction));
  std::string name = reader.string("name", std::move(default_name));
  return {std::move(reduction), std::move(name)};
}

kplug::Tensor elementwise_binary_crossentropy(const kplug::Tensor& y_true, const kplug::Tensor& y_pred,
                                              bool from_logits) {
  if (from_logits) {
    // max(x, 0) - x * z + log(1 + exp(-|x|)): stable for any logit.
    return kplug::ops::binary(y_pred, y_true, [](float x, float z) { return kplug::ops::softplus(x) - x * z; });
  }
  return kplug::ops::binary(y_true, y_pred, [](float z, float p) {
    constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()
    const float q = std::clamp(p, kEpsilon, 1.0f - kEpsilon);
    return -(z * std::log(q) + (1.0f - z) * std::log(1.0f - q));
  });
}

}  // namespace kplug_addons
