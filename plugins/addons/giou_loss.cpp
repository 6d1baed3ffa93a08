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
  namespace ops = kplug::ops;
  using kplug::Tensor;
  // Coordinate k of every box (y_min, x_min, y_max, x_max), as a tensor of the batch shape.
  const auto coord = [](const Tensor& boxes, std::int64_t k) {
    return ops::slice_axis(boxes, -1, k, k + 1).squeeze(-1);
  };
  const Tensor t0 = coord(y_true, 0), t1 = coord(y_true, 1), t2 = coord(y_true, 2), t3 = coord(y_true, 3);
  const Tensor p0 = coord(y_pred, 0), p1 = coord(y_pred, 1), p2 = coord(y_pred, 2), p3 = coord(y_pred, 3);
  const Tensor t_area = (t2 - t0) * (t3 - t1);
  const Tensor p_area = (p2 - p0) * (p3 - p1);
  const Tensor ih = kplug::maximum(kplug::minimum(t2, p2) - kplug::maximum(t0, p0), 0.0f);
  const Tensor iw = kplug::maximum(kplug::minimum(t3, p3) - kplug::maximum(t1, p1), 0.0f);
  const Tensor intersection = ih * iw;
  const Tensor union_area = t_area + p_area - intersection;
  Tensor score = ops::binary(intersection, union_area, [](float i, float u) { return u > 0.0f ? i / u : 0.0f; });
  if (mode_ == "giou") {
    const Tensor enclose =
        (kplug::maximum(t2, p2) - kplug::minimum(t0, p0)) * (kplug::maximum(t3, p3) - kplug::minimum(t1, p1));
    ops::subtract_(score,
                   ops::binary(enclose, union_area, [](float e, float u) { return e > 0.0f ? (e - u) / e : 0.0f; }));
  }
  return 1.0f - score;
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
