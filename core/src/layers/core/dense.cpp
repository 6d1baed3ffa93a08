#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"

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
      kernel_bias_fields<Options>() + quantization_fields<Options>(keras_class_name_of());
  return list;
}

void Dense::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  const std::int64_t input_dim = *in[in.rank() - 1];
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
  const Shape& kshape = kernel_->shape();
  if (x.rank() == 0 || x.shape().back() != kshape[0]) {
    fail("expects inputs with last dimension " + std::to_string(kshape[0]) + ", got shape " + shape_repr(x.shape()));
  }
  Shape out_shape = x.shape();
  out_shape.back() = options_.units;
  Tensor y = ops::matmul(x.reshape({-1, kshape[0]}), kernel_->value());
  if (bias_) ops::add_(y, bias_->value());  // y is this call's own buffer: the bias row in place
  return {(*options_.activation)(y.reshape(std::move(out_shape)))};
}

}  // namespace kplug::layers
