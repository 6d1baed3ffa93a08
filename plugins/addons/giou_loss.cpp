#include "addons_loss.hpp"

#include <algorithm>

namespace kplug_addons {

GIoULoss::GIoULoss(std::string mode, std::string reduction, std::string name)
    : AddonsLoss(std::move(reduction), std::move(name)), mode_(std::move(mode)) {
  if (mode_ != "giou" && mode_ != "iou") throw kplug::ValueError("Value of mode should be 'iou' or 'giou'");
}

kplug::Tensor GIoULoss::call(const kplug::Tensor& y_true, const kplug::Tensor& y_pred) const {
  if (y_true.shape() != y_pred.shape() || y_true.rank() < 1 || y_true.dim(-1) != 4) {
    throw kplug::ValueError("GIoULoss needs boxes of the same shape (..., 4), got " +
                            kplug::shape_to_string(y_true.shape()) + " and " + kplug::shape_to_string(y_pred.shape()));
  }
  kplug::Shape out_shape(y_true.shape().begin(), y_true.shape().end() - 1);
  kplug::Tensor out(out_shape);
  for (std::int64_t i = 0; i < out.size(); ++i) {
    const float* t = y_true.data() + 4 * i;  // y_min, x_min, y_max, x_max
    const float* p = y_pred.data() + 4 * i;
    const float t_area = (t[2] - t[0]) * (t[3] - t[1]);
    const float p_area = (p[2] - p[0]) * (p[3] - p[1]);
    const float ih = std::max(0.0f, std::min(t[2], p[2]) - std::max(t[0], p[0]));
    const float iw = std::max(0.0f, std::min(t[3], p[3]) - std::max(t[1], p[1]));
    const float intersection = ih * iw;
    const float union_area = t_area + p_area - intersection;
    const float iou = union_area > 0.0f ? intersection / union_area : 0.0f;
    float score = iou;
    if (mode_ == "giou") {
      const float eh = std::max(t[2], p[2]) - std::min(t[0], p[0]);
      const float ew = std::max(t[3], p[3]) - std::min(t[1], p[1]);
      const float enclose = eh * ew;
      score = enclose > 0.0f ? iou - (enclose - union_area) / enclose : iou;
    }
    out[i] = 1.0f - score;
  }
  return out;
}

boost::json::object GIoULoss::get_config() const {
  boost::json::object config = base_config();
  config["mode"] = mode_;
  return config;
}

std::shared_ptr<GIoULoss> GIoULoss::from_config(const boost::json::object& config,
                                                kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "GIoULoss");
  auto [reduction, name] = read_base(reader, "auto", "giou_loss");
  std::string mode = reader.choice("mode", "giou", {"giou", "iou"});
  reader.finish();
  return std::make_shared<GIoULoss>(std::move(mode), std::move(reduction), std::move(name));
}

}  // namespace kplug_addons
