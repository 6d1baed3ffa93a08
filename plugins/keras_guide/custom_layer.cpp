#include "guide_layers.hpp"

namespace keras_guide {

CustomLayer::CustomLayer(Options options) : Layer(kplug::LayerArgs{}), options_(options) {}

const kplug::config::Fields<CustomLayer::Options>& CustomLayer::fields() {
  static const kplug::config::Fields<Options> f{
      kplug::config::field("factor", &Options::factor).required().check(kplug::config::finite())};
  return f;
}

// get_config returns {"factor": ...} only: no base keys.
boost::json::object CustomLayer::get_config() const { return fields().write(options_); }

std::shared_ptr<CustomLayer> CustomLayer::from_config(const boost::json::object& config,
                                                      kplug::DeserializationContext& context) {
  // __init__(self, factor): required, and nothing else (not even `name`) is accepted.
  return std::make_shared<CustomLayer>(fields().read(config, context, "CustomLayer"));
}

std::vector<kplug::PartialShape> CustomLayer::compute_output_shape(
    const std::vector<kplug::PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<kplug::Tensor> CustomLayer::call(kplug::CallArgs& args) {
  expect_inputs(args, 1);
  return {args.inputs[0] * kplug::to_float32(options_.factor.value)};
}

}  // namespace keras_guide
