#include "kplug/losses/crossentropy.hpp"

#include "kplug/errors.hpp"
#include "losses/crossentropy_ops.hpp"
#include "losses/loss_fields.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace kplug::losses {

namespace {

// Keras's CTC uses class 0 as the blank, which also pads the end of each label sequence.
constexpr std::int64_t kBlank = 0;
// "log 0" of Keras's (optax's) CTC: impossible transitions add this instead of -inf, so a
// label that cannot fit in the time steps gives a large finite loss, as in Keras.
constexpr double kLogEpsilon = -1e5;

double log_add_exp(double a, double b) {
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(-std::fabs(a - b)));
}

// The label of one sequence: the class ids before the padding blanks.
std::vector<std::int64_t> read_label(const Tensor& y_true, std::int64_t b, std::int64_t num_classes) {
  const std::int64_t max_length = y_true.dim(1);
  std::vector<std::int64_t> label;
  bool padding = false;
  for (std::int64_t n = 0; n < max_length; ++n) {
    const std::int64_t id = detail::class_id(y_true[b * max_length + n], num_classes);
    if (id == kBlank) {
      padding = true;
    } else if (padding) {
      throw ValueError("CTC labels must be padded with 0 (the blank) at the end only; sequence " + std::to_string(b) +
                       " of `y_true` has class " + std::to_string(id) + " after a 0");
    } else {
      label.push_back(id);
    }
  }
  return label;
}

// -log p(label | logits) by the CTC forward algorithm in log space (Keras's ctc_loss, after
// optax): phi[n] is "n labels emitted, now on a blank", emit[n] is "on label n".
double sequence_loss(const std::vector<std::int64_t>& label, const Tensor& log_probs, std::int64_t b) {
  const std::int64_t time = log_probs.dim(1), classes = log_probs.dim(2);
  const std::size_t n_labels = label.size();
  // repeat[n]: label n is followed by the same class, which needs a blank in between.
  std::vector<double> repeat(n_labels, 0.0);
  for (std::size_t n = 0; n + 1 < n_labels; ++n) repeat[n] = label[n] == label[n + 1] ? 1.0 : 0.0;

  std::vector<double> phi(n_labels + 1, kLogEpsilon), emit(n_labels, kLogEpsilon);
  phi[0] = 0.0;
  std::vector<double> phi_in(n_labels + 1), next_phi(n_labels + 1), next_emit(n_labels);
  for (std::int64_t t = 0; t < time; ++t) {
    const float* lp = log_probs.data() + (b * time + t) * classes;
    const double blank = lp[kBlank];
    // Label n straight to label n + 1 (no blank) unless they repeat.
    phi_in = phi;
    for (std::size_t n = 0; n < n_labels; ++n)
      phi_in[n + 1] = log_add_exp(phi[n + 1], emit[n] + kLogEpsilon * repeat[n]);
    for (std::size_t n = 0; n < n_labels; ++n) {
      const double emit_lp = lp[label[n]];
      next_emit[n] = log_add_exp(phi_in[n] + emit_lp, emit[n] + emit_lp);
    }
    for (std::size_t j = 0; j <= n_labels; ++j) next_phi[j] = phi_in[j] + blank;
    // A blank after label n when label n + 1 repeats it.
    for (std::size_t n = 0; n < n_labels; ++n) {
      next_phi[n + 1] = log_add_exp(next_phi[n + 1], emit[n] + blank + kLogEpsilon * (1.0 - repeat[n]));
    }
    phi.swap(next_phi);
    emit.swap(next_emit);
  }
  // The sequence may also end on its last label.
  double total = phi[n_labels];
  if (n_labels > 0) total = log_add_exp(phi[n_labels], emit[n_labels - 1]);
  return -total;
}

}  // namespace

Tensor ctc(const Tensor& y_true, const Tensor& y_pred) {
  if (y_true.rank() != 2) {
    throw ValueError(
        "Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in integer "
        "format. Received: y_true.shape=" +
        shape_to_string(y_true.shape()));
  }
  if (y_pred.rank() != 3) {
    throw ValueError(
        "Logits `y_pred` are expected to be a tensor of shape `(batch_size, max_length, num_classes)`. "
        "Received: y_pred.shape=" +
        shape_to_string(y_pred.shape()));
  }
  if (y_true.dim(0) != y_pred.dim(0)) {
    throw ValueError("`y_true` and `y_pred` must have the same batch size. Received: y_true.shape=" +
                     shape_to_string(y_true.shape()) + ", y_pred.shape=" + shape_to_string(y_pred.shape()));
  }
  if (y_pred.dim(2) == 0) {
    throw ValueError("Logits `y_pred` need at least one class (class 0 is the blank). Received: y_pred.shape=" +
                     shape_to_string(y_pred.shape()));
  }
  const std::int64_t batch = y_true.dim(0);
  const Tensor log_probs = y_pred.size() == 0 ? y_pred : detail::log_softmax(y_pred, -1);
  Tensor loss(Shape{batch});
  for (std::int64_t b = 0; b < batch; ++b) {
    loss[b] = static_cast<float>(sequence_loss(read_label(y_true, b, y_pred.dim(2)), log_probs, b));
  }
  return loss;
}

namespace {
const loss_config::LossConfig<loss_config::LossOptions>& ctc_config() {
  static const loss_config::LossConfig<loss_config::LossOptions> config("CTC", "ctc", {});
  return config;
}
}  // namespace

CTC::CTC(std::optional<std::string> reduction, std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)) {}

Tensor CTC::compute(const Tensor& y_true, const Tensor& y_pred) const { return ctc(y_true, y_pred); }

std::shared_ptr<CTC> CTC::from_config(const boost::json::object& config, DeserializationContext& context) {
  loss_config::LossOptions a = ctc_config().read(config, context);
  return std::make_shared<CTC>(std::move(a.reduction), std::move(*a.name));
}

}  // namespace kplug::losses
