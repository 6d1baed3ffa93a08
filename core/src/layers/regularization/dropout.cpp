#include "kplug/errors.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/regularization.hpp"

namespace kplug::layers {

Dropout::Dropout(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (!(options_.rate >= 0.0 && options_.rate <= 1.0)) {
    throw ValueError(
        "Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: "
        "rate=" +
        json::format_double(options_.rate));
  }
  mark_built_at_init();
}

boost::json::object Dropout::get_config() const {
  boost::json::object config = base_config();
  config["rate"] = options_.rate;
  config["seed"] = config::Codec<std::optional<Seed>>::write(options_.seed);
  if (options_.noise_shape) {
    config["noise_shape"] = PartialShape(*options_.noise_shape).to_json();
  } else {
    config["noise_shape"] = nullptr;
  }
  return config;
}

std::shared_ptr<Dropout> Dropout::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Dropout");
  LayerArgs args = LayerArgs::read(reader);
  Options o;
  if (!reader.has("rate")) reader.fail("rate", "missing required argument 'rate'");
  o.rate = reader.real("rate", 0.0);
  if (const auto* v = reader.raw("seed")) o.seed = config::Codec<std::optional<Seed>>::read(reader, "seed", *v);
  if (const auto* v = reader.raw("noise_shape"); v && !v->is_null()) {
    o.noise_shape = PartialShape::from_json(*v, context.path_of("noise_shape")).dims();
  }
  reader.finish();
  return std::make_shared<Dropout>(std::move(o), std::move(args));
}

std::vector<PartialShape> Dropout::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> Dropout::call(CallArgs& args) {
  expect_inputs(args, 1);
  if (args.training && options_.rate > 0.0) {
    throw NotSupportedError("Layer '" + name() + "': Dropout in training mode is not supported (kplug runs inference)");
  }
  return {std::move(args.inputs[0])};
}

}  // namespace kplug::layers
