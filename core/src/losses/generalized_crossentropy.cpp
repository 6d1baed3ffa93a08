#include "kplug/losses/crossentropy.hpp"

#include "kplug/errors.hpp"
#include "losses/crossentropy_ops.hpp"
#include "losses/loss_fields.hpp"

#include <cmath>

namespace kplug::losses {

namespace {
double validate_q(double q) {
  if (!(q > 0.0 && q < 1.0)) throw ValueError("q must be in the interval (0, 1). Received: q=" + std::to_string(q));
  return q;
}
}  // namespace

Tensor categorical_generalized_cross_entropy(const Tensor& y_true, const Tensor& y_pred, double q) {
  const float qf = static_cast<float>(validate_q(q));
  const std::int64_t class_axis = detail::require_class_axis(y_pred, -1);
  const std::int64_t num_classes = y_pred.dim(class_axis);
  // Labels are class ids, shaped like y_pred without its last axis. A trailing 1 is dropped,
  // giving the per-sample losses Keras's docstring promises; Keras's one_hot keeps it and its
  // [batch, 1, classes] labels broadcast against y_pred to [batch, batch] (README, differences).
  const Shape expected(y_pred.shape().begin(), y_pred.shape().end() - 1);
  Tensor labels = y_true;
  if (labels.shape() != expected && labels.rank() > 1 && labels.dim(-1) == 1) {
    labels = labels.reshape(Shape(labels.shape().begin(), labels.shape().end() - 1));
  }
  if (labels.shape() != expected) {
    throw ValueError("`y_true` must hold one class id per row of `y_pred`. Received: y_true.shape=" +
                     shape_to_string(y_true.shape()) + ", y_pred.shape=" + shape_to_string(y_pred.shape()));
  }
  Tensor loss(labels.shape());
  for (std::int64_t i = 0; i < labels.size(); ++i) {
    const float p = y_pred[i * num_classes + detail::class_id(labels[i], num_classes)];
    loss[i] = (1.0f - std::pow(p, qf)) / qf;
  }
  return loss;
}

namespace {
struct GeneralizedOptions : loss_config::LossOptions {
  Number q = Number::real(0.5);
};
const loss_config::LossConfig<GeneralizedOptions>& generalized_config() {
  static const loss_config::LossConfig<GeneralizedOptions> config("CategoricalGeneralizedCrossEntropy",
                                                                  "categorical_generalized_cross_entropy",
                                                                  {config::field("q", &GeneralizedOptions::q)});
  return config;
}
}  // namespace

CategoricalGeneralizedCrossEntropy::CategoricalGeneralizedCrossEntropy(Number q, std::optional<std::string> reduction,
                                                                       std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), q_(q) {
  validate_q(q_.value);
}

Tensor CategoricalGeneralizedCrossEntropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return categorical_generalized_cross_entropy(y_true, y_pred, q_.value);
}

void CategoricalGeneralizedCrossEntropy::add_arguments(boost::json::object& config) const {
  generalized_config().write({{}, q_}, config);
}

std::shared_ptr<CategoricalGeneralizedCrossEntropy> CategoricalGeneralizedCrossEntropy::from_config(
    const boost::json::object& config, DeserializationContext& context) {
  GeneralizedOptions a = generalized_config().read(config, context);
  return std::make_shared<CategoricalGeneralizedCrossEntropy>(a.q, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
