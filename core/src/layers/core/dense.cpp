#include "int4_kernel.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/quantization.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/quantization.hpp"
#include "kplug/serialization.hpp"
#include "layers/planning/step_activation.hpp"

#include <functional>

namespace kplug::layers {

Dense::Dense(Options options, LayerArgs args) : KernelBiasLayer(std::move(options), std::move(args)) {
  if (options_.units <= 0) {
    throw ValueError("Received an invalid value for `units`, expected a positive integer. Received: units=" +
                     std::to_string(options_.units));
  }
  if (!options_.activation) options_.activation = builtin_activation("linear");  // Keras's activation=None
}

const config::Fields<Dense::Options>& Dense::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("units", &Options::units).required(),
          activation_field("activation", &Options::activation),
          field("use_bias", &Options::use_bias, true),
      } +
      kernel_bias_fields<Options>() +
      quantization_config_fields<Options>(&Options::quantization_config, keras_class_name_of());
  return list;
}

void Dense::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  const std::int64_t input_dim = *in[in.rank() - 1];
  if (quantized_dtype_policy()) return quantized_build(input_dim);
  add_kernel_bias({input_dim, options_.units},
                  options_.use_bias ? std::optional<Shape>(Shape{options_.units}) : std::nullopt);
}

std::vector<PartialShape> Dense::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() == 0) fail("needs an input of rank >= 1");
  out[out.rank() - 1] = options_.units;
  return {out};
}

std::vector<Tensor> Dense::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  const PartialShape& built = build_shapes()->front();  // a ternary kernel is packed along the inputs
  const std::int64_t input_dim = *built[built.rank() - 1];
  if (x.rank() == 0 || x.shape().back() != input_dim) {
    fail("expects inputs with last dimension " + std::to_string(input_dim) + ", got shape " + shape_repr(x.shape()));
  }
  Shape out_shape = x.shape();
  out_shape.back() = options_.units;
  Tensor y = quantized_dtype_policy() ? quantized_matmul(x.reshape({-1, input_dim}))
                                      : ops::matmul(x.reshape({-1, input_dim}), kernel_->value());
  if (bias_) {
    // Keras's float8 Dense adds its bias through bfloat16 (for the fused bias-add).
    const bool float8 = quantized_dtype_policy() && quantized_dtype_policy()->mode == "float8";
    ops::add_(y, float8 ? ops::round_to_bfloat16(bias_->value()) : bias_->value());  // y is this call's own buffer
  }
  return {(*options_.activation)(y.reshape(std::move(out_shape)))};
}

namespace {

// activation(x * kernel + bias) on the rows of x.
class DenseStep final : public InferenceStep {
 public:
  DenseStep(TensorSpec output, Tensor kernel, std::optional<Tensor> bias, std::shared_ptr<Activation> activation)
      : InferenceStep({std::move(output)}),
        kernel_(std::move(kernel)),
        bias_(std::move(bias)),
        activation_(std::move(activation)),
        units_(kernel_.shape()[1]),
        rows_(shape_size(outputs()[0].shape) / units_) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    auto* y = reinterpret_cast<float*>(outputs[0]);
    ops::kernels::gemm(reinterpret_cast<const float*>(inputs[0]), kernel_.data(), y, rows_, kernel_.shape()[0], units_);
    if (bias_) ops::kernels::add_row(y, bias_->data(), rows_, units_);
    activation_.apply(y, this->outputs()[0].shape);
  }

 private:
  Tensor kernel_;
  std::optional<Tensor> bias_;
  planning::StepActivation activation_;
  std::int64_t units_, rows_;
};

}  // namespace

std::unique_ptr<InferenceStep> Dense::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (quantized_dtype_policy() || inputs.size() != 1 || !built()) return nullptr;
  const TensorSpec& x = inputs[0];
  const Tensor& kernel = kernel_->value();
  if (x.dtype != DType::float32 || x.shape.empty() || x.shape.back() != kernel.shape()[0]) return nullptr;
  TensorSpec out = x;
  out.shape.back() = options_.units;
  return std::make_unique<DenseStep>(std::move(out), kernel,
                                     bias_ ? std::optional<Tensor>(bias_->value()) : std::nullopt, options_.activation);
}

// Keras's _int8_build, _int4_build, _ternary_build and _float8_build.
void Dense::quantized_build(std::int64_t input_dim) {
  const QuantizedDTypePolicy& policy = *quantized_dtype_policy();
  const std::int64_t units = options_.units;
  const auto bias = options_.use_bias ? std::optional<Shape>(Shape{units}) : std::nullopt;
  if (policy.mode == "int8") {
    add_quantized_kernel_bias(quantization_variable("kernel", {input_dim, units}, DType::int8),
                              {quantization_variable("kernel_scale", {units}, DType::float32, 1.0)}, false, bias);
  } else if (policy.mode == "int4") {
    auto [kernel, others] =
        detail::int4_kernel(input_dim, units, int4_block_size(policy, options_.quantization_config.get()));
    add_quantized_kernel_bias(std::move(kernel), others, false, bias);
  } else if (policy.mode == "ternary") {
    auto [kernel, others] = detail::ternary_kernel(input_dim, units);
    add_quantized_kernel_bias(std::move(kernel), others, false, bias);
  } else {  // float8: a float kernel, quantized and dequantized at each call
    VariableSpec kernel{"kernel",
                        {input_dim, units},
                        options_.kernel_initializer,
                        options_.kernel_regularizer,
                        options_.kernel_constraint,
                        true};
    add_quantized_kernel_bias(std::move(kernel), float8_variables(policy.amax_history_length), true, bias);
  }
}

// Keras's _int8_call, _int4_call, _ternary_call and _float8_call up to the bias, on rows.
Tensor Dense::quantized_matmul(const Tensor& x) const {
  const QuantizedDTypePolicy& policy = *quantized_dtype_policy();
  const QuantizationConfig* config = options_.quantization_config.get();
  const Tensor& kernel = kernel_->value();
  const auto& q = quantization_variables_;
  // The integer kernels' float32 values, derived once per kernel value.
  const auto floats = [&](auto unpack) {
    return derived_kernel_.get(kernel, [&](const Tensor& k) { return unpack(k).astype(DType::float32); });
  };
  // With quantized inputs the product runs on the int8 kernel itself (oneDNN's int8 matmul).
  const auto kernel_for = [&](const std::optional<ops::AbsMaxSpec>& quantizer, auto unpack) {
    return quantizer ? derived_kernel_.get(kernel, unpack) : floats(unpack);
  };
  if (policy.mode == "int8") {
    const auto quantizer = inputs_quantizer(config, true);
    return ops::descaled_matmul(x, quantizer ? kernel : floats(std::identity{}), q[0]->value(), quantizer);
  }
  if (policy.mode == "int4") {
    const std::int64_t units = options_.units;
    const auto unpack = [units](const Tensor& k) { return ops::unpack_int4(k, units, -1); };
    if (int4_block_size(policy, config) <= 0) {
      const auto quantizer = inputs_quantizer(config, false);
      return ops::descaled_matmul(x, kernel_for(quantizer, unpack), q[0]->value(), quantizer);
    }
    return ops::matmul(x, ops::dequantize_grouped(unpack(kernel), q[0]->value(), q[1]->value(), q[2]->value(), 0));
  }
  if (policy.mode == "ternary") {
    const std::int64_t input_dim = x.shape().back();
    const auto unpack = [input_dim](const Tensor& k) { return ops::unpack_ternary(k, input_dim, 0); };
    return ops::multiply(ops::matmul(x, floats(unpack)), q[0]->value());
  }
  // float8 (QDQ through e4m3fn, emulated in float32): q = inputs_scale, inputs_amax_history, kernel_scale, ...
  return ops::matmul(ops::quantize_dequantize_float8_e4m3fn(x, q[0]->value().item()),
                     ops::quantize_dequantize_float8_e4m3fn(kernel, q[2]->value().item()));
}

}  // namespace kplug::layers
