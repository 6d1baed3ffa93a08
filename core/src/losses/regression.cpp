// MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
// MeanSquaredLogarithmicError and CosineSimilarity (keras/src/losses/losses.py).
#include "kplug/losses/regression.hpp"

#include "losses/loss_fields.hpp"
#include "losses/regression_math.hpp"

#include <cmath>

namespace kplug::losses {

using detail::mean_last_axis;

namespace {
// These Keras functions match ranks themselves, so they also do it when called directly.
struct SameRank {
  Tensor y_true, y_pred;
  SameRank(const Tensor& t, const Tensor& p) : y_true(t), y_pred(p) { squeeze_or_expand_to_same_rank(y_true, y_pred); }
};
}  // namespace

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  const SameRank in(y_true, y_pred);
  return mean_last_axis((in.y_true - in.y_pred).square(), "mean_squared_error");
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  const SameRank in(y_true, y_pred);
  return mean_last_axis((in.y_true - in.y_pred).abs(), "mean_absolute_error");
}

Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred) {
  const SameRank in(y_true, y_pred);
  const Tensor diff = ((in.y_true - in.y_pred) / maximum(in.y_true.abs(), kKerasEpsilon)).abs();
  return 100.0f * mean_last_axis(diff, "mean_absolute_percentage_error");
}

Tensor mean_squared_logarithmic_error(const Tensor& y_true, const Tensor& y_pred) {
  const SameRank in(y_true, y_pred);
  // log(max(x, eps) + 1): negative values and zeros count as eps, so the log is defined.
  const Tensor first_log = (maximum(in.y_pred, kKerasEpsilon) + 1.0f).log();
  const Tensor second_log = (maximum(in.y_true, kKerasEpsilon) + 1.0f).log();
  return mean_last_axis((first_log - second_log).square(), "mean_squared_logarithmic_error");
}

Tensor cosine_similarity(const Tensor& y_true, const Tensor& y_pred, std::int64_t axis) {
  const SameRank in(y_true, y_pred);
  const Tensor product = detail::l2_normalize(in.y_true, axis) * detail::l2_normalize(in.y_pred, axis);
  return -product.sum(axis);
}

Tensor MeanSquaredError::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_squared_error(y_true, y_pred);
}
Tensor MeanAbsoluteError::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_absolute_error(y_true, y_pred);
}
Tensor MeanAbsolutePercentageError::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_absolute_percentage_error(y_true, y_pred);
}
Tensor MeanSquaredLogarithmicError::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return mean_squared_logarithmic_error(y_true, y_pred);
}

namespace {
struct CosineOptions : loss_config::LossOptions {
  std::int64_t axis = -1;
};
const loss_config::LossConfig<CosineOptions>& cosine_config() {
  static const loss_config::LossConfig<CosineOptions> config("CosineSimilarity", "cosine_similarity",
                                                             {config::field("axis", &CosineOptions::axis)});
  return config;
}
}  // namespace

CosineSimilarity::CosineSimilarity(std::int64_t axis, std::optional<std::string> reduction, std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), axis_(axis) {}

Tensor CosineSimilarity::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return cosine_similarity(y_true, y_pred, axis_);
}

void CosineSimilarity::add_arguments(boost::json::object& config) const { cosine_config().write({{}, axis_}, config); }

std::shared_ptr<CosineSimilarity> CosineSimilarity::from_config(const boost::json::object& config,
                                                                DeserializationContext& context) {
  CosineOptions a = cosine_config().read(config, context);
  return std::make_shared<CosineSimilarity>(a.axis, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
