// KLDivergence and Poisson: losses between distributions or rates.
#include "kplug/errors.hpp"
#include "kplug/losses/regression.hpp"

#include "losses/regression_math.hpp"

namespace kplug::losses {

Tensor kl_divergence(const Tensor& y_true, const Tensor& y_pred) {
  // Clipping to [eps, 1] keeps log(t / p) finite for zeros.
  const Tensor t = y_true.clip(kKerasEpsilon, 1.0f);
  const Tensor p = y_pred.clip(kKerasEpsilon, 1.0f);
  const Tensor per_element = t * (t / p).log();
  if (per_element.rank() == 0) throw ValueError("kl_divergence: expected inputs of rank >= 1, got scalars");
  return per_element.sum(-1);
}

Tensor poisson(const Tensor& y_true, const Tensor& y_pred) {
  return detail::mean_last_axis(y_pred - y_true * (y_pred + kKerasEpsilon).log(), "poisson");
}

Tensor KLDivergence::compute(const Tensor& y_true, const Tensor& y_pred) const { return kl_divergence(y_true, y_pred); }
Tensor Poisson::compute(const Tensor& y_true, const Tensor& y_pred) const { return poisson(y_true, y_pred); }

}  // namespace kplug::losses
