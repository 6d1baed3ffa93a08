#include "kplug/losses/crossentropy.hpp"

#include "kplug/errors.hpp"
#include "losses/crossentropy_ops.hpp"
#include "losses/loss_fields.hpp"
#include "losses/reduction.hpp"

namespace kplug::losses {

namespace {

// Integer labels shaped like y_pred without its class axis: a trailing 1 of the same rank
// as y_pred is dropped, as Keras does.
Tensor sparse_labels(const Tensor& y_true, const Tensor& y_pred, std::int64_t class_axis) {
  Tensor labels = y_true;
  if (labels.rank() == y_pred.rank() && labels.rank() > 0 && labels.dim(-1) == 1) {
    labels = labels.reshape(Shape(labels.shape().begin(), labels.shape().end() - 1));
  }
  Shape expected = y_pred.shape();
  expected.erase(expected.begin() + class_axis);
  if (labels.shape() != expected) {
    throw ValueError(
        "Arguments `target` and `output` must have the same shape up until the class dimension: "
        "target.shape=" +
        shape_to_string(y_true.shape()) + ", output.shape=" + shape_to_string(y_pred.shape()));
  }
  return labels;
}

bool is_ignored(float label, const std::optional<std::int64_t>& ignore_class) {
  return ignore_class && label == static_cast<float>(*ignore_class);
}

}  // namespace

Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                       std::optional<std::int64_t> ignore_class, std::int64_t axis) {
  const std::int64_t a = detail::require_class_axis(y_pred, axis);
  const Tensor labels = sparse_labels(y_true, y_pred, a);
  const std::int64_t num_classes = y_pred.dim(a);
  const Tensor log_prob = detail::categorical_log_probabilities(y_pred.move_axis_to_last(a), from_logits, -1);
  Tensor loss(labels.shape());
  for (std::int64_t i = 0; i < labels.size(); ++i) {
    // Ignored entries give 0 whatever their label (Keras zeroes them after the fact).
    if (is_ignored(labels[i], ignore_class)) continue;
    loss[i] = -log_prob[i * num_classes + detail::class_id(labels[i], num_classes)];
  }
  return loss;
}

namespace {
struct SparseOptions : loss_config::LossOptions {
  bool from_logits = false;
  std::optional<std::int64_t> ignore_class;
  std::int64_t axis = -1;
};
const loss_config::LossConfig<SparseOptions>& sparse_config() {
  static const loss_config::LossConfig<SparseOptions> config(
      "SparseCategoricalCrossentropy", "sparse_categorical_crossentropy",
      {config::field("from_logits", &SparseOptions::from_logits),
       config::field("ignore_class", &SparseOptions::ignore_class), config::field("axis", &SparseOptions::axis)});
  return config;
}
}  // namespace

SparseCategoricalCrossentropy::SparseCategoricalCrossentropy(bool from_logits, std::optional<std::int64_t> ignore_class,
                                                             std::int64_t axis, std::optional<std::string> reduction,
                                                             std::string name)
    : LossFunctionWrapper(std::move(name), std::move(reduction)),
      from_logits_(from_logits),
      ignore_class_(ignore_class),
      axis_(axis) {}

Tensor SparseCategoricalCrossentropy::compute(const Tensor& y_true, const Tensor& y_pred) const {
  return sparse_categorical_crossentropy(y_true, y_pred, from_logits_, ignore_class_, axis_);
}

std::optional<Tensor> SparseCategoricalCrossentropy::loss_mask(const Tensor& y_true, const Tensor& y_pred,
                                                               const Tensor& losses) const {
  if (!ignore_class_) return std::nullopt;
  Tensor t = y_true;
  Tensor p = y_pred;
  squeeze_or_expand_to_same_rank(t, p);
  const Tensor labels = sparse_labels(t, p, p.normalize_axis(axis_));
  if (labels.shape() != losses.shape()) {  // a subclass's compute() may return another shape
    throw ValueError("SparseCategoricalCrossentropy: ignore_class needs one loss per label; labels have shape " +
                     shape_to_string(labels.shape()) + ", the losses " + shape_to_string(losses.shape()));
  }
  Tensor mask(losses.shape());
  for (std::int64_t i = 0; i < labels.size(); ++i) mask[i] = is_ignored(labels[i], ignore_class_) ? 0.0f : 1.0f;
  return mask;
}

void SparseCategoricalCrossentropy::add_arguments(boost::json::object& config) const {
  sparse_config().write({{}, from_logits_, ignore_class_, axis_}, config);
}

std::shared_ptr<SparseCategoricalCrossentropy> SparseCategoricalCrossentropy::from_config(
    const boost::json::object& config, DeserializationContext& context) {
  SparseOptions a = sparse_config().read(config, context);
  return std::make_shared<SparseCategoricalCrossentropy>(a.from_logits, a.ignore_class, a.axis, std::move(a.reduction),
                                                         std::move(*a.name));
}

}  // namespace kplug::losses
