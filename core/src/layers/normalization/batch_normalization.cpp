// BatchNormalization (keras/src/layers/normalization/batch_normalization.py), inference.
#include "kplug/errors.hpp"
#include "kplug/layers/normalization.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/normalization.hpp"

#include <cmath>

namespace kplug::layers {

const config::Fields<BatchNormalization::Options>& BatchNormalization::fields() {
  using config::field;
  auto renorm = config::custom_field<Options>(
      "renorm",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& o) {
        o.renorm = r.as_boolean(key, v);
        if (o.renorm) {
          throw NotSupportedError(r.context().path_of(key) +
                                  ": BatchNormalization with renorm=True is not supported (its renorm_mean / "
                                  "renorm_stddev weights are not implemented)");
        }
      },
      [](const Options& o) { return boost::json::value(o.renorm); }, false);
  auto renorm_clipping = config::custom_field<Options>(
      "renorm_clipping",
      [](ConfigReader& r, std::string_view key, const boost::json::value& v, Options& o) {
        if (!v.is_null() && !v.is_object()) r.fail(key, "expected null or a dict with rmax, rmin, dmax");
        o.renorm_clipping = v;
      },
      [](const Options& o) { return o.renorm_clipping; });
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("axis", &Options::axis),
          field("momentum", &Options::momentum),
          field("epsilon", &Options::epsilon).check([](const double& v) -> std::string {
            return v > 0.0 && std::isfinite(v) ? "" : "epsilon must be a positive number";
          }),
          field("center", &Options::center),
          field("scale", &Options::scale),
      } +
      beta_gamma_fields<Options>({
          field("moving_mean_initializer", &Options::moving_mean_initializer).null_is_default(),
          field("moving_variance_initializer", &Options::moving_variance_initializer).null_is_default(),
      }) +
      config::Fields<Options>{
          field("synchronized", &Options::synchronized),
          renorm,
          renorm_clipping,
          field("renorm_momentum", &Options::renorm_momentum),
      };
  return list;
}

BatchNormalization::BatchNormalization(Options options, LayerArgs args)
    : BetaGammaLayer(std::move(options), std::move(args)) {
  if (options_.renorm) throw NotSupportedError("BatchNormalization with renorm=True is not supported");
}

void BatchNormalization::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const auto rank = static_cast<std::int64_t>(in.rank());
  const std::int64_t a = options_.axis < 0 ? options_.axis + rank : options_.axis;
  if (a < 0 || a >= rank) {
    fail("axis " + std::to_string(options_.axis) + " is out of range for input shape " + in.to_string());
  }
  const Dim& d = in[static_cast<std::size_t>(a)];
  if (!d) fail("needs a known dimension on axis " + std::to_string(options_.axis) + ", got " + in.to_string());
  const Shape shape{*d};
  add_gamma_beta(shape, options_.scale, options_.center);
  moving_mean_ = add_weight({"moving_mean", shape, options_.moving_mean_initializer, nullptr, nullptr, false});
  moving_variance_ =
      add_weight({"moving_variance", shape, options_.moving_variance_initializer, nullptr, nullptr, false});
}

std::vector<PartialShape> BatchNormalization::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  const auto rank = static_cast<std::int64_t>(in.rank());
  if (options_.axis >= rank || options_.axis < -rank) {
    fail("Axis " + std::to_string(options_.axis) + " is out of bounds for input shape " + in.to_string());
  }
  return {in};
}

std::vector<Tensor> BatchNormalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (const Tensor* mask = args.mask(0); mask && mask->rank() != x.rank() - 1) {
    fail("The mask provided should be one dimension less than the inputs. Received: mask.shape=" +
         shape_repr(mask->shape()) + ", inputs.shape=" + shape_repr(x.shape()));
  }
  if (args.training && trainable()) {
    throw NotSupportedError("Layer '" + name() +
                            "': BatchNormalization in training mode is not supported (kplug runs inference)");
  }
  const Tensor gamma = gamma_ ? gamma_->value() : Tensor();
  const Tensor beta = beta_ ? beta_->value() : Tensor();
  return {ops::batch_normalization(x, moving_mean_->value(), moving_variance_->value(), options_.axis,
                                   beta_ ? &beta : nullptr, gamma_ ? &gamma : nullptr,
                                   static_cast<float>(options_.epsilon))};
}

namespace {

// x * inv + shift along the last axis, inv and shift made once from the weights.
class BatchNormStep final : public InferenceStep {
 public:
  BatchNormStep(TensorSpec output, ops::BatchNormScaleShift p)
      : InferenceStep({std::move(output)}),
        p_(std::move(p)),
        cols_(p_.inv.size()),
        rows_(shape_size(outputs()[0].shape) / cols_) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    ops::kernels::scale_shift_rows(reinterpret_cast<const float*>(inputs[0]), reinterpret_cast<float*>(outputs[0]),
                                   rows_, cols_, p_.inv.data(), p_.shift.data());
  }

 private:
  ops::BatchNormScaleShift p_;
  std::int64_t cols_, rows_;
};

}  // namespace

std::unique_ptr<InferenceStep> BatchNormalization::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || !built()) return nullptr;
  const TensorSpec& x = inputs[0];
  const auto rank = static_cast<std::int64_t>(x.shape.size());
  if (x.dtype != DType::float32 || rank == 0 || (options_.axis != -1 && options_.axis != rank - 1)) return nullptr;
  const Tensor& mean = moving_mean_->value();
  if (x.shape.back() != mean.size() || shape_size(x.shape) == 0) return nullptr;
  const Tensor gamma = gamma_ ? gamma_->value() : Tensor();
  const Tensor beta = beta_ ? beta_->value() : Tensor();
  return std::make_unique<BatchNormStep>(
      x, ops::batch_normalization_scale_shift(mean, moving_variance_->value(), beta_ ? &beta : nullptr,
                                              gamma_ ? &gamma : nullptr, static_cast<float>(options_.epsilon)));
}

}  // namespace kplug::layers
