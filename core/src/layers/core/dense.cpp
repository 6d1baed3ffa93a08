#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/core/activation_helpers.hpp"

namespace kplug::layers {

Dense::Dense(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (options_.units <= 0) {
    throw ValueError("Received an invalid value for `units`, expected a positive integer. Received: units=" +
                     std::to_string(options_.units));
  }
  if (!options_.activation) options_.activation = detail::builtin_activation("linear");
  if (!options_.kernel_initializer) options_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

boost::json::object Dense::get_config() const {
  boost::json::object config = base_config();
  config["units"] = options_.units;
  config["activation"] = serialize_activation(options_.activation);
  config["use_bias"] = options_.use_bias;
  config["kernel_initializer"] = serialize(options_.kernel_initializer);
  config["bias_initializer"] = serialize(options_.bias_initializer);
  config["kernel_regularizer"] = serialize(options_.kernel_regularizer);
  config["bias_regularizer"] = serialize(options_.bias_regularizer);
  config["kernel_constraint"] = serialize(options_.kernel_constraint);
  config["bias_constraint"] = serialize(options_.bias_constraint);
  config["quantization_config"] = nullptr;
  return config;
}

std::shared_ptr<Dense> Dense::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Dense");
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  o.units = reader.integer("units", 0);
  if (!reader.has("units")) reader.fail("units", "missing required argument 'units'");
  o.activation = reader.object<Activation>("activation");
  o.use_bias = reader.boolean("use_bias", true);
  o.kernel_initializer = reader.object<Initializer>("kernel_initializer");
  o.bias_initializer = reader.object<Initializer>("bias_initializer");
  o.kernel_regularizer = reader.object<Regularizer>("kernel_regularizer");
  o.bias_regularizer = reader.object<Regularizer>("bias_regularizer");
  o.kernel_constraint = reader.object<Constraint>("kernel_constraint");
  o.bias_constraint = reader.object<Constraint>("bias_constraint");
  for (std::string_view key : {"quantization_config", "lora_rank"}) {
    const boost::json::value* v = reader.raw(key);
    if (v && !v->is_null() && !(v->is_int64() && v->get_int64() == 0)) {
      throw NotSupportedError(context.path_of(key) + ": Dense with " + std::string(key) + " is not supported");
    }
  }
  reader.raw("lora_alpha");
  reader.finish();
  return std::make_shared<Dense>(std::move(o), std::move(args));
}

void Dense::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  const std::int64_t input_dim = *in[in.rank() - 1];
  kernel_ = add_weight({"kernel", {input_dim, options_.units}, options_.kernel_initializer,
                        options_.kernel_regularizer, options_.kernel_constraint, true});
  if (options_.use_bias) {
    bias_ = add_weight({"bias", {options_.units}, options_.bias_initializer, options_.bias_regularizer,
                        options_.bias_constraint, true});
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
  Tensor y = matmul(x.reshape({-1, kshape[0]}), kernel_->value());
  if (bias_) ops::add_(y, bias_->value());  // y is this call's own buffer: the bias row in place
  return {(*options_.activation)(y.reshape(std::move(out_shape)))};
}

}  // namespace kplug::layers
