// TernaryDense (keras/src/layers/core/ternary_dense.py), float kernel: the forward pass of
// Keras's straight-through estimator.
#include "int4_kernel.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/quantization.hpp"
#include "kplug/serialization.hpp"

namespace kplug::layers {

TernaryDense::TernaryDense(Options options, LayerArgs args) : KernelBiasLayer(std::move(options), std::move(args)) {
  if (options_.units <= 0) {
    throw ValueError("Received an invalid value for `units`, expected a positive integer. Received: units=" +
                     std::to_string(options_.units));
  }
  if (options_.threshold && static_cast<double>(*options_.threshold) < 0.0) {
    throw ValueError(
        "Received an invalid value for `threshold`, expected a non-negative float or None. Received: threshold=" +
        std::to_string(static_cast<double>(*options_.threshold)));
  }
  if (!options_.activation) options_.activation = builtin_activation("linear");  // Keras's activation=None
  options_.activity_regularizer = activity_regularizer();
}

const config::Fields<TernaryDense::Options>& TernaryDense::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("units", &Options::units).required(),
          field("threshold", &Options::threshold),
          activation_field("activation", &Options::activation),
          field("use_bias", &Options::use_bias, true),
      } +
      kernel_bias_fields<Options>({activity_regularizer_field(&Options::activity_regularizer)});
  return list;
}

void TernaryDense::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() < 2 || !in[in.rank() - 1]) {
    fail("needs inputs of rank >= 2 with a known last dimension to build, got input shape " + in.to_string());
  }
  const std::int64_t input_dim = *in[in.rank() - 1];
  const auto bias = options_.use_bias ? std::optional<Shape>(Shape{options_.units}) : std::nullopt;
  if (quantized_dtype_policy()) {  // Keras's _ternary_build
    auto [kernel, others] = detail::ternary_kernel(input_dim, options_.units);
    add_quantized_kernel_bias(std::move(kernel), others, false, bias);
    return;
  }
  add_kernel_bias({input_dim, options_.units}, bias);
}

std::vector<PartialShape> TernaryDense::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() == 0) fail("needs an input of rank >= 1");
  out[out.rank() - 1] = options_.units;
  return {out};
}

std::vector<Tensor> TernaryDense::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  const PartialShape& built = build_shapes()->front();  // a quantized kernel is packed along the inputs
  const std::int64_t input_dim = *built[built.rank() - 1];
  if (x.rank() == 0 || x.shape().back() != input_dim) {
    fail("expects inputs with last dimension " + std::to_string(input_dim) + ", got shape " + shape_repr(x.shape()));
  }
  std::optional<Tensor> scale;
  const Tensor effective = ternary_kernel(kernel_->value(), scale);
  Shape out_shape = x.shape();
  out_shape.back() = options_.units;
  Tensor y = ops::matmul(x.reshape({-1, input_dim}), effective);
  if (scale) y = ops::multiply(y, *scale);
  if (bias_) y = ops::add(y, bias_->value());
  return {(*options_.activation)(y.reshape(std::move(out_shape)))};
}

// The kernel the matmul uses, and the scale of its output (none: unscaled).
Tensor TernaryDense::ternary_kernel(const Tensor& kernel, std::optional<Tensor>& scale) const {
  if (quantized_dtype_policy()) {  // Keras's _ternary_call: the stored trits times kernel_scale
    const PartialShape& built = build_shapes()->front();
    scale = quantization_variables_[0]->value();
    const std::int64_t input_dim = *built[built.rank() - 1];
    return unpacked_trits_.get(
        kernel, [input_dim](const Tensor& k) { return ops::unpack_ternary(k, input_dim, 0).astype(DType::float32); });
  }
  // sign(k) where |k| > threshold (default 0.5 * mean(|k|)), else 0; written as Keras's
  // k + (ternary - k), which it evaluates in float32 too.
  const Tensor abs_k = ops::abs(kernel);
  const Tensor beta = ops::mean(abs_k);
  const Tensor threshold = options_.threshold ? Tensor::scalar(to_float32(static_cast<double>(*options_.threshold)))
                                              : ops::multiply(beta, 0.5f);
  const Tensor keep = ops::cast(ops::compare(abs_k, threshold, ops::CompareOp::greater), DType::float32);
  const Tensor ternary = ops::multiply(ops::sign(kernel), keep);
  if (!options_.threshold) scale = beta;
  return ops::add(kernel, ops::subtract(ternary, kernel));
}

}  // namespace kplug::layers
