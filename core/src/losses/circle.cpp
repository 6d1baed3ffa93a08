// Circle loss (Sun et al., 2020): a metric-learning loss over pairwise cosine distances.
#include "kplug/errors.hpp"
#include "kplug/losses/regression.hpp"
#include "kplug/ops/linalg.hpp"

#include "losses/loss_fields.hpp"
#include "losses/reduction.hpp"
#include "losses/regression_math.hpp"
#include "util/argument_checks.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace kplug::losses {

namespace {

// Integer class labels of shape (n) or (n, 1), truncated as Keras's cast to int32.
std::vector<float> read_labels(const Tensor& labels, const char* what) {
  if (!(labels.rank() == 1 || (labels.rank() == 2 && labels.dim(1) == 1))) {
    throw ValueError(std::string("circle: ") + what + " must have shape (batch,) or (batch, 1), got " +
                     shape_to_string(labels.shape()));
  }
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(labels.size()));
  for (float v : labels.values()) {
    if (!std::isfinite(v)) throw ValueError(std::string("circle: ") + what + " must be finite integer labels");
    out.push_back(std::trunc(v));
  }
  return out;
}

void require_embeddings(const Tensor& embeddings, const char* what) {
  if (embeddings.rank() != 2) {
    throw ValueError(std::string("circle: ") + what + " must have shape (batch, dim), got " +
                     shape_to_string(embeddings.shape()));
  }
}

// log(sum(exp(x))) over the selected values; -inf when none is selected (TensorFlow's and
// JAX's value, which makes the row's loss 0).
struct LogSumExp {
  std::vector<float> values;
  float result() const {
    if (values.empty()) return -std::numeric_limits<float>::infinity();
    const float top = *std::max_element(values.begin(), values.end());
    if (!std::isfinite(top)) return top;
    float sum = 0.0f;
    for (float v : values) sum += std::exp(v - top);
    return top + std::log(sum);
  }
};

}  // namespace

Tensor circle_mask(const Tensor& losses) {
  return losses.map([](float v) { return v > 0.0f ? 1.0f : 0.0f; });
}

Tensor circle(const Tensor& y_true, const Tensor& y_pred, const CircleOptions& options) {
  const std::vector<float> labels = read_labels(y_true, "y_true");
  const std::vector<float> ref_labels = options.ref_labels ? read_labels(*options.ref_labels, "ref_labels") : labels;
  const Tensor& ref_embeddings = options.ref_embeddings ? *options.ref_embeddings : y_pred;
  require_embeddings(y_pred, "y_pred");
  require_embeddings(ref_embeddings, "ref_embeddings");
  const std::int64_t n = y_pred.dim(0), m = ref_embeddings.dim(0);
  if (static_cast<std::int64_t>(labels.size()) != n || static_cast<std::int64_t>(ref_labels.size()) != m) {
    throw ValueError("circle: expected one label per embedding, got " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(n) + " embeddings and " + std::to_string(ref_labels.size()) +
                     " reference labels for " + std::to_string(m) + " reference embeddings");
  }
  if (y_pred.dim(1) != ref_embeddings.dim(1)) {
    throw ValueError("circle: y_pred and ref_embeddings have different widths " + std::to_string(y_pred.dim(1)) +
                     " and " + std::to_string(ref_embeddings.dim(1)));
  }

  const float gamma = to_float32(options.gamma);
  const float margin = to_float32(options.margin);
  const float optim_pos = margin, optim_neg = 1.0f + margin;
  const float delta_pos = margin, delta_neg = 1.0f - margin;
  // Cosine distances of L2-normalised embeddings, floored at 0.
  const Tensor distances = maximum(1.0f - ops::matmul(y_pred, ref_embeddings.transpose()), 0.0f);

  Tensor out(Shape{n});
  for (std::int64_t i = 0; i < n; ++i) {
    LogSumExp positives, negatives;
    for (std::int64_t j = 0; j < m; ++j) {
      const float d = distances.at({i, j});
      const bool same_label = labels[static_cast<std::size_t>(i)] == ref_labels[static_cast<std::size_t>(j)];
      if (same_label && !(options.remove_diagonal && i == j)) {
        const float weight = std::max(optim_pos + d, 0.0f);
        positives.values.push_back(-gamma * weight * (delta_pos - d));
      } else if (!same_label) {
        const float weight = std::max(optim_neg - d, 0.0f);
        negatives.values.push_back(gamma * weight * (delta_neg - d));
      }
    }
    out[i] = detail::softplus(positives.result() + negatives.result());
  }
  return out;
}

namespace {
struct CircleLossOptions : loss_config::LossOptions {
  Number gamma = Number::real(80.0);
  Number margin = Number::real(0.4);
  bool remove_diagonal = true;
};
const loss_config::LossConfig<CircleLossOptions>& circle_config() {
  static const loss_config::LossConfig<CircleLossOptions> config(
      "Circle", "circle",
      {config::field("gamma", &CircleLossOptions::gamma).check(config::finite()),
       config::field("margin", &CircleLossOptions::margin).check(config::finite()),
       config::field("remove_diagonal", &CircleLossOptions::remove_diagonal)});
  return config;
}
}  // namespace

Circle::Circle(Number gamma, Number margin, bool remove_diagonal, std::optional<std::string> reduction,
               std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)),
      gamma_(gamma),
      margin_(margin),
      remove_diagonal_(remove_diagonal) {
  checks::require_finite(gamma_.value, "gamma");
  checks::require_finite(margin_.value, "margin");
}

Tensor Circle::compute(const Tensor& y_true, const Tensor& y_pred) const {
  CircleOptions options;
  options.remove_diagonal = remove_diagonal_;
  options.gamma = gamma_.value;
  options.margin = margin_.value;
  return circle(y_true, y_pred, options);
}

std::optional<Tensor> Circle::loss_mask(const Tensor&, const Tensor&, const Tensor& losses) const {
  return circle_mask(losses);
}

void Circle::add_arguments(boost::json::object& config) const {
  circle_config().write({{}, gamma_, margin_, remove_diagonal_}, config);
}

std::shared_ptr<Circle> Circle::from_config(const boost::json::object& config, DeserializationContext& context) {
  CircleLossOptions a = circle_config().read(config, context);
  return std::make_shared<Circle>(a.gamma, a.margin, a.remove_diagonal, std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
