#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"

namespace kplug::layers {

Flatten::Flatten(std::string data_format, LayerArgs args)
    : Layer(std::move(args)), data_format_(std::move(data_format)) {
  if (data_format_ != "channels_last" && data_format_ != "channels_first") {
    throw ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: " +
                     data_format_);
  }
}

boost::json::object Flatten::get_config() const {
  boost::json::object config = base_config();
  config["data_format"] = data_format_;
  return config;
}

std::shared_ptr<Flatten> Flatten::from_config(const boost::json::object& config, DeserializationContext& context) {
  ConfigReader reader(config, context, "Flatten");
  LayerArgs args = LayerArgs::read(reader);
  auto data_format = reader.optional_string("data_format").value_or("channels_last");
  reader.finish();
  return std::make_shared<Flatten>(std::move(data_format), std::move(args));
}

std::vector<PartialShape> Flatten::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() == 0) fail("needs an input with a batch dimension");
  Dim flat = 1;
  for (std::size_t i = 1; i < in.rank(); ++i) {
    if (!in[i]) {
      flat.reset();
      break;
    }
    *flat *= *in[i];
  }
  return {PartialShape({in[0], flat})};
}

std::vector<Tensor> Flatten::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (x.rank() == 0) fail("needs an input with a batch dimension");
  const std::int64_t batch = x.shape()[0];
  // channels_first: the channel axis moves last first, so features come out channels-last.
  if (data_format_ == "channels_first" && x.rank() > 2) {
    args.inputs[0] = x.move_axis_to_last(1);
  }
  const Tensor& y = args.inputs[0];
  std::int64_t features = 1;
  for (std::int64_t i = 1; i < y.rank(); ++i) features *= y.shape()[static_cast<std::size_t>(i)];
  return {y.reshape({batch, features})};
}

}  // namespace kplug::layers
