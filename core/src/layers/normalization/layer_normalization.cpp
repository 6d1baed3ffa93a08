#include "kplug/config_fields.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/ops/kernels.hpp"

#include <algorithm>

namespace kplug::layers {

const config::Fields<LayerNormalization::Options>& LayerNormalization::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          // Keras writes `axis` back in the form it was given: an int, or a list after build;
          // null keeps the default.
          axis_field("axis", &Options::axis, &Options::axis_is_list).null_is_default(),
          field("epsilon", &Options::epsilon),
          field("center", &Options::center),
          field("scale", &Options::scale),
          field("rms_scaling", &Options::rms_scaling),
      } +
      beta_gamma_fields<Options>();
  return list;
}

void LayerNormalization::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const auto rank = static_cast<std::int64_t>(in.rank());
  std::vector<std::int64_t> axes;
  for (std::int64_t a : options_.axis) {
    const std::int64_t c = a < 0 ? a + rank : a;
    if (c < 0 || c >= rank) fail("axis " + std::to_string(a) + " is out of range for input shape " + in.to_string());
    axes.push_back(c);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fail("Duplicate axes are not allowed.");
  // Keras keeps the canonical, sorted list after build (and writes it back so).
  options_.axis = axes;
  options_.axis_is_list = true;
  Shape shape;
  for (std::int64_t a : axes) {
    const Dim& d = in[static_cast<std::size_t>(a)];
    if (!d) fail("needs known dimensions on its axes, got input shape " + in.to_string());
    shape.push_back(*d);
  }
  add_gamma_beta(shape, options_.scale || options_.rms_scaling, options_.center && !options_.rms_scaling);
}

std::vector<PartialShape> LayerNormalization::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> LayerNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  Shape broadcast(static_cast<std::size_t>(x.rank()), 1);
  for (std::int64_t a : options_.axis) {
    if (a >= x.rank()) fail("got an input of rank " + std::to_string(x.rank()) + " for axis " + std::to_string(a));
    broadcast[static_cast<std::size_t>(a)] = x.shape()[static_cast<std::size_t>(a)];
  }
  auto reduce_mean = [&](Tensor t) {
    for (std::int64_t a : options_.axis) t = t.mean(a, true);
    return t;
  };
  const auto eps = static_cast<float>(options_.epsilon);
  const Tensor mean = reduce_mean(x);
  if (options_.rms_scaling) {
    // Keras (deprecated option): scales by the variance, not the RMS.
    const Tensor variance = reduce_mean((x - mean).square());
    Tensor out = x * (1.0f / (variance + eps).sqrt());
    if (gamma_) out = out * gamma_->value().reshape(broadcast);
    return {out};
  }
  // Keras's numpy moments: E[x^2] - E[x]^2.
  const Tensor variance = reduce_mean(x.square()) - mean.square();
  Tensor inv = 1.0f / (variance + eps).sqrt();
  if (gamma_) inv = inv * gamma_->value().reshape(broadcast);
  Tensor res = -mean * inv;
  if (beta_) res = res + beta_->value().reshape(broadcast);
  return {x * inv + res};
}

namespace {

// Normalization over the trailing axes: rows of `cols` values.
class LayerNormStep final : public InferenceStep {
 public:
  LayerNormStep(TensorSpec output, std::int64_t cols, float epsilon, std::optional<Tensor> gamma,
                std::optional<Tensor> beta)
      : InferenceStep({std::move(output)}),
        cols_(cols),
        rows_(shape_size(outputs()[0].shape) / cols),
        epsilon_(epsilon),
        gamma_(std::move(gamma)),
        beta_(std::move(beta)) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::layer_norm_rows(reinterpret_cast<const float*>(inputs[0]), reinterpret_cast<float*>(outputs[0]),
                                  rows_, cols_, epsilon_, gamma_ ? gamma_->data() : nullptr,
                                  beta_ ? beta_->data() : nullptr);
  }

 private:
  std::int64_t cols_, rows_;
  float epsilon_;
  std::optional<Tensor> gamma_, beta_;
};

}  // namespace

std::unique_ptr<InferenceStep> LayerNormalization::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].dtype != DType::float32 || options_.rms_scaling || !built()) return nullptr;
  const Shape& shape = inputs[0].shape;
  const auto rank = static_cast<std::int64_t>(shape.size());
  // The axes (sorted at build) must be the trailing ones: each row is then contiguous.
  std::int64_t cols = 1, expected = rank - static_cast<std::int64_t>(options_.axis.size());
  for (std::int64_t a : options_.axis) {
    if (a != expected++) return nullptr;
    cols *= shape[static_cast<std::size_t>(a)];
  }
  if (cols == 0) return nullptr;
  return std::make_unique<LayerNormStep>(inputs[0], cols, static_cast<float>(options_.epsilon),
                                         gamma_ ? std::optional<Tensor>(gamma_->value()) : std::nullopt,
                                         beta_ ? std::optional<Tensor>(beta_->value()) : std::nullopt);
}

}  // namespace kplug::layers
