// TensorFlow Addons losses as TF 2 saved them: `LossFunctionWrapper` configs that start
// with {"reduction", "name"}, where reduction may be TF's "auto".
#pragma once

#include <kplug/sdk.hpp>

#include <string>

namespace kplug_addons {

class AddonsLoss : public kplug::Loss {
 public:
  AddonsLoss(std::string reduction, std::string name);
  std::string reduction() const override;  // "auto" reduces as "sum_over_batch_size"
  boost::json::object base_config() const;

 protected:
  // Reads "reduction" and "name" (defaults given); the caller reads the rest and finishes.
  static std::pair<std::string, std::string> read_base(kplug::ConfigReader& reader, std::string default_reduction,
                                                       std::string default_name);

 private:
  std::string reduction_;
  std::string name_;
};

// Keras's binary crossentropy, element-wise (no mean over the last axis).
kplug::Tensor elementwise_binary_crossentropy(const kplug::Tensor& y_true, const kplug::Tensor& y_pred,
                                              bool from_logits);

class SigmoidFocalCrossEntropy : public AddonsLoss {
 public:
  SigmoidFocalCrossEntropy(bool from_logits = false, double alpha = 0.25, double gamma = 2.0,
                           std::string reduction = "none", std::string name = "sigmoid_focal_crossentropy");
  kplug::Tensor call(const kplug::Tensor& y_true, const kplug::Tensor& y_pred) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<SigmoidFocalCrossEntropy> from_config(const boost::json::object& config,
                                                               kplug::DeserializationContext& context);

 private:
  bool from_logits_;
  double alpha_, gamma_;
};

// 1 - GIoU of boxes [y_min, x_min, y_max, x_max] (mode "giou") or 1 - IoU (mode "iou").
class GIoULoss : public AddonsLoss {
 public:
  explicit GIoULoss(std::string mode = "giou", std::string reduction = "auto", std::string name = "giou_loss");
  kplug::Tensor call(const kplug::Tensor& y_true, const kplug::Tensor& y_pred) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<GIoULoss> from_config(const boost::json::object& config,
                                               kplug::DeserializationContext& context);

 private:
  std::string mode_;
};

// y * d^2 + (1 - y) * max(margin - d, 0)^2, element-wise (as tfa.losses.contrastive_loss).
class ContrastiveLoss : public AddonsLoss {
 public:
  explicit ContrastiveLoss(double margin = 1.0, std::string reduction = "auto", std::string name = "contrastive_loss");
  kplug::Tensor call(const kplug::Tensor& y_true, const kplug::Tensor& y_pred) const override;
  boost::json::object get_config() const override;
  static std::shared_ptr<ContrastiveLoss> from_config(const boost::json::object& config,
                                                      kplug::DeserializationContext& context);

 private:
  double margin_;
};

}  // namespace kplug_addons
