#include "builtins/catalog.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/serialization.hpp"

namespace kplug::layers {

boost::json::value serialize_activation(const std::shared_ptr<Activation>& activation) {
  if (!activation) return "linear";
  if (const NamedFunction* fn = as_function(*activation)) {
    // keras.activations.serialize: a built-in function is written as its bare name.
    auto entry = kplug::detail::BuiltinCatalog::instance().find("keras.activations", fn->name());
    if (entry && entry->function.get() == activation.get()) return boost::json::string(fn->name());
  }
  return serialize(*activation);
}

ActivationLayer::ActivationLayer(std::shared_ptr<Activation> activation, LayerArgs args)
    : Layer(std::move(args)), activation_(activation ? std::move(activation) : builtin_activation("linear")) {
  mark_built_at_init();
}

boost::json::object ActivationLayer::get_config() const {
  boost::json::object config = base_config();
  config["activation"] = serialize_activation(activation_);
  return config;
}

std::shared_ptr<ActivationLayer> ActivationLayer::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  ConfigReader reader(config, context, "Activation");
  LayerArgs args = LayerArgs::read(reader);
  if (!reader.has("activation")) reader.fail("activation", "missing required argument 'activation'");
  auto activation = reader.object<Activation>("activation");
  reader.finish();
  return std::make_shared<ActivationLayer>(std::move(activation), std::move(args));
}

std::vector<PartialShape> ActivationLayer::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  const NamedFunction* fn = as_function(*activation_);
  if (fn && fn->name() == "glu") {
    // glu halves the last axis; every other built-in keeps the shape.
    PartialShape out = in;
    if (out.rank() > 0 && out[out.rank() - 1]) out[out.rank() - 1] = *out[out.rank() - 1] / 2;
    return {out};
  }
  if (fn) return {in};
  return Layer::compute_output_shape(input_shapes);
}

std::vector<Tensor> ActivationLayer::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {(*activation_)(args.inputs[0])};
}

}  // namespace kplug::layers
