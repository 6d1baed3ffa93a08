#include "guide_layers.hpp"

namespace keras_guide {

MyDense::MyDense(Options options, kplug::LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (options_.units <= 0) {
    throw kplug::ValueError("MyDense needs a positive `units`, got " + std::to_string(options_.units));
  }
  if (!options_.kernel_initializer) {
    // Keras's add_weight default for float weights.
    options_.kernel_initializer = std::make_shared<kplug::initializers::GlorotUniform>();
  }
}

boost::json::object MyDense::get_config() const {
  boost::json::object config = base_config();
  config["units"] = options_.units;
  config["kernel_regularizer"] = options_.kernel_regularizer_config;
  config["kernel_initializer"] = options_.kernel_initializer_config;
  config["nested_model"] = options_.nested_model_config;
  return config;
}

std::shared_ptr<MyDense> MyDense::from_config(const boost::json::object& config,
                                                    kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "MyDense");
  kplug::LayerArgs args = kplug::LayerArgs::read(reader);
  Options o;
  if (!reader.has("units")) reader.fail("units", "missing required argument 'units'");
  o.units = reader.integer("units", 0);
  // What add_weight makes of them (regularizers.get / initializers.get), and the values as given.
  o.kernel_regularizer = reader.object<kplug::Regularizer>("kernel_regularizer");
  o.kernel_initializer = reader.object<kplug::Initializer>("kernel_initializer");
  for (auto [key, out] : {std::pair{"kernel_regularizer", &o.kernel_regularizer_config},
                          std::pair{"kernel_initializer", &o.kernel_initializer_config},
                          std::pair{"nested_model", &o.nested_model_config}}) {
    if (const boost::json::value* v = reader.raw(key)) *out = *v;
  }
  reader.finish();
  return std::make_shared<MyDense>(std::move(o), std::move(args));
}

void MyDense::build(const std::vector<kplug::PartialShape>& input_shapes) {
  const kplug::PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  kernel_ = add_weight({"kernel", {*in[in.rank() - 1], options_.units}, options_.kernel_initializer,
                        options_.kernel_regularizer, nullptr, true});
}

std::vector<kplug::PartialShape> MyDense::compute_output_shape(
    const std::vector<kplug::PartialShape>& input_shapes) const {
  kplug::PartialShape out = single_shape(input_shapes);
  if (out.rank() == 0) fail("needs an input of rank >= 1");
  out[out.rank() - 1] = options_.units;
  return {out};
}

std::vector<kplug::Tensor> MyDense::call(kplug::CallArgs& args) {
  expect_inputs(args, 1);
  const kplug::Tensor& x = args.inputs[0];
  const kplug::Shape& kshape = kernel_->shape();
  if (x.rank() == 0 || x.shape().back() != kshape[0]) {
    fail("expects inputs with last dimension " + std::to_string(kshape[0]) + ", got shape " +
         kplug::shape_repr(x.shape()));
  }
  kplug::Shape out_shape = x.shape();
  out_shape.back() = options_.units;
  // ops.matmul over the last axis of any rank.
  return {kplug::matmul(x.reshape({-1, kshape[0]}), kernel_->value()).reshape(std::move(out_shape))};
}

}  // namespace keras_guide
