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
  fields().write_into(options_, config);
  return config;
}

namespace {
// A key kept as given (MyDense.get_config returns its constructor arguments), also read
// as the object add_weight makes of it (regularizers.get / initializers.get).
template <class T>
kplug::config::Field<MyDense::Options> kept_object_field(std::string key, std::shared_ptr<T> MyDense::Options::*object,
                                                         boost::json::value MyDense::Options::*as_given) {
  return kplug::config::custom_field<MyDense::Options>(
      std::move(key),
      [object, as_given](kplug::ConfigReader& r, std::string_view k, const boost::json::value& v, MyDense::Options& o) {
        o.*object = r.context().template object<T>(v, k);
        o.*as_given = v;
      },
      [as_given](const MyDense::Options& o) { return o.*as_given; });
}
}  // namespace

const kplug::config::Fields<MyDense::Options>& MyDense::fields() {
  using O = Options;
  static const kplug::config::Fields<O> f{
      kplug::config::field("units", &O::units).required().check(kplug::config::at_least(1)),
      kept_object_field("kernel_regularizer", &O::kernel_regularizer, &O::kernel_regularizer_config),
      kept_object_field("kernel_initializer", &O::kernel_initializer, &O::kernel_initializer_config),
      // Any value, passed through (Keras: __init__ stores it, get_config returns it).
      kplug::config::custom_field<O>(
          "nested_model",
          [](kplug::ConfigReader&, std::string_view, const boost::json::value& v, O& o) { o.nested_model_config = v; },
          [](const O& o) { return o.nested_model_config; })};
  return f;
}

std::shared_ptr<MyDense> MyDense::from_config(const boost::json::object& config,
                                              kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "MyDense");
  kplug::LayerArgs args = kplug::LayerArgs::read(reader);
  Options o;
  fields().read_into(reader, o);
  reader.finish();
  return std::make_shared<MyDense>(std::move(o), std::move(args));
}

void MyDense::build(const std::vector<kplug::PartialShape>& input_shapes) {
  const kplug::PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0 || !in[in.rank() - 1]) {
    fail("needs a known last input dimension to build, got input shape " + in.to_string());
  }
  kernel_ = add_weight({"kernel",
                        {*in[in.rank() - 1], options_.units},
                        options_.kernel_initializer,
                        options_.kernel_regularizer,
                        nullptr,
                        true});
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
  return {kplug::ops::matmul(x.reshape({-1, kshape[0]}), kernel_->value()).reshape(std::move(out_shape))};
}

}  // namespace keras_guide
