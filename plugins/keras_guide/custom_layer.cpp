#include "guide_layers.hpp"

namespace keras_guide {

CustomLayer::CustomLayer(kplug::Number factor) : Layer(kplug::LayerArgs{}), factor_(factor) {}

boost::json::object CustomLayer::get_config() const { return {{"factor", factor_.to_json()}}; }

std::shared_ptr<CustomLayer> CustomLayer::from_config(const boost::json::object& config,
                                                      kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "CustomLayer");
  // __init__(self, factor): required, and nothing else (not even `name`) is accepted.
  if (!reader.has("factor")) reader.fail("factor", "missing required argument 'factor'");
  const kplug::Number factor = reader.finite_number("factor", kplug::Number::real(0.0));
  reader.finish();
  return std::make_shared<CustomLayer>(factor);
}

std::vector<kplug::PartialShape> CustomLayer::compute_output_shape(
    const std::vector<kplug::PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<kplug::Tensor> CustomLayer::call(kplug::CallArgs& args) {
  expect_inputs(args, 1);
  return {args.inputs[0] * kplug::to_float32(factor_.value)};
}

}  // namespace keras_guide
