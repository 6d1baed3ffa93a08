// Flatten (keras/src/layers/reshaping/flatten.py).
#include "kplug/errors.hpp"
#include "kplug/layers/reshaping.hpp"

namespace kplug::layers {

const config::Fields<FlattenOptions>& Flatten::fields() {
  static const config::Fields<Options> list{config::field("data_format", &Options::data_format).null_is_default()};
  return list;
}

Flatten::Flatten(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (options_.data_format != "channels_last" && options_.data_format != "channels_first") {
    throw ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. Received: " +
                     options_.data_format);
  }
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
  if (options_.data_format == "channels_first" && x.rank() > 2) {
    args.inputs[0] = x.move_axis_to_last(1);
  }
  const Tensor& y = args.inputs[0];
  std::int64_t features = 1;
  for (std::int64_t i = 1; i < y.rank(); ++i) features *= y.shape()[static_cast<std::size_t>(i)];
  return {y.reshape({batch, features})};
}

std::unique_ptr<InferenceStep> Flatten::plan_inference(const std::vector<TensorSpec>& inputs) const {
  if (inputs.size() != 1 || inputs[0].shape.empty()) return nullptr;
  const Shape& in = inputs[0].shape;
  if (options_.data_format == "channels_first" && in.size() > 2) return nullptr;
  std::int64_t features = 1;
  for (std::size_t i = 1; i < in.size(); ++i) features *= in[i];
  return std::make_unique<ViewStep>(TensorSpec{Shape{in[0], features}, inputs[0].dtype});
}

}  // namespace kplug::layers
