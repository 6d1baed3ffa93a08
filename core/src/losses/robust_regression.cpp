// Huber and LogCosh: regression losses that grow linearly for large errors.
#include "kplug/errors.hpp"
#include "kplug/losses/regression.hpp"

#include "losses/loss_fields.hpp"
#include "losses/regression_math.hpp"

#include <cmath>
#include <numbers>

namespace kplug::losses {

namespace {
// Keras does not check delta; a negative one would turn the loss negative for large errors.
bool valid_delta(double delta) { return std::isfinite(delta) && delta >= 0; }
}  // namespace

Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta) {
  if (!valid_delta(delta)) {
    throw ValueError("Invalid value for argument `delta`: expected a finite, non-negative float. Received: delta=" +
                     std::to_string(delta));
  }
  Tensor t = y_true, p = y_pred;
  squeeze_or_expand_to_same_rank(t, p);
  const float d = to_float32(delta);
  const Tensor per_element = (p - t).map([d](float error) {
    const float abs_error = std::fabs(error);
    return abs_error <= d ? 0.5f * error * error : d * abs_error - 0.5f * d * d;
  });
  return detail::mean_last_axis(per_element, "huber");
}

Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred) {
  Tensor t = y_true, p = y_pred;
  squeeze_or_expand_to_same_rank(t, p);
  // log(cosh(x)) = x + softplus(-2x) - log(2): no overflow of cosh for large |x|.
  const float log2 = std::numbers::ln2_v<float>;
  const Tensor per_element = (p - t).map([log2](float x) { return x + detail::softplus(-2.0f * x) - log2; });
  return detail::mean_last_axis(per_element, "log_cosh");
}

namespace {
struct HuberOptions : loss_config::LossOptions {
  Number delta = Number::real(1.0);
};
const loss_config::LossConfig<HuberOptions>& huber_config() {
  static const loss_config::LossConfig<HuberOptions> config(
      "Huber", "huber_loss", {config::field("delta", &HuberOptions::delta).check(config::finite_non_negative())});
  return config;
}
}  // namespace

Huber::Huber(Number delta, std::optional<std::string> reduction, std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)), delta_(delta) {
  if (!valid_delta(delta_.value)) {
    throw ValueError("Invalid value for argument `delta`: expected a finite, non-negative float. Received: delta=" +
                     std::to_string(delta_.value));
  }
}

Tensor Huber::compute(const Tensor& y_true, const Tensor& y_pred) const { return huber(y_true, y_pred, delta_.value); }

void Huber::add_arguments(boost::json::object& config) const { huber_config().write({{}, delta_}, config); }

std::shared_ptr<Huber> Huber::from_config(const boost::json::object& config, DeserializationContext& context) {
  HuberOptions a = huber_config().read(config, context);
  return std::make_shared<Huber>(a.delta, std::move(a.reduction), std::move(*a.name));
}

Tensor LogCosh::compute(const Tensor& y_true, const Tensor& y_pred) const { return log_cosh(y_true, y_pred); }

}  // namespace kplug::losses
