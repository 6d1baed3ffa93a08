#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"

namespace kplug::layers {

Dense::Dense(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (options_.units <= 0) {
    throw ValueError("Received an invalid value for `units`, expected a positive integer. Received: units=" +
                     std::to_string(options_.units));
  }
  // A null given in the config or by a C++ caller means Keras's default, as add_weight's.
  if (!options_.activation) options_.activation = builtin_activation("linear");
  if (!options_.kernel_initializer) options_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

const config::Fields<Dense::Options>& Dense::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("units", &Options::units).required(),
          activation_field("activation", &Options::activation),
          field("use_bias", &Options::use_bias, true),
          field("kernel_initializer", &Options::kernel_initializer),
          field("bias_initializer", &Options::bias_initializer),
          field("kernel_regularizer", &Options::kernel_regularizer),
          field("bias_regularizer", &Options::bias_regularizer),
          field("kernel_constraint", &Options::kernel_constraint),
          field("bias_constraint", &Options::bias_constraint),
      } +
      quantization_fields<Options>(keras_class_name_of());
  return list;
}

void Dense::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  const std::int64_t input_dim = *in[in.rank() - 1];
  kernel_ = add_weight({"kernel",
                        {input_dim, options_.units},
                        options_.kernel_initializer,
                        options_.kernel_regularizer,
                        options_.kernel_constraint,
                        true});
  if (options_.use_bias) {
    bias_ = add_weight({"bias",
                        {options_.units},
                        options_.bias_initializer,
                        options_.bias_regularizer,
                        options_.bias_constraint,
                        true});
  }
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
