#include "tiny_mlp.hpp"

namespace keras_guide {

namespace {
kplug::LayerPtr dense(std::int64_t units, const char* activation) {
  kplug::layers::Dense::Options options;
  options.units = units;
  if (activation) {
    options.activation = kplug::deserialize_as<kplug::Activation>(boost::json::value(activation));
  }
  return std::make_shared<kplug::layers::Dense>(std::move(options), kplug::LayerArgs{});
}
}  // namespace

TinyMLP::TinyMLP(std::int64_t hidden, kplug::LayerArgs args) : Model(std::move(args)), hidden_(hidden) {
  if (hidden_ <= 0) throw kplug::ValueError("TinyMLP needs a positive `hidden`, got " + std::to_string(hidden_));
  // Created in __init__, in this order: their automatic names ("dense", "dense_1") follow it.
  encoder_ = dense(hidden_, "relu");
  head_ = dense(1, nullptr);
}

boost::json::object TinyMLP::get_config() const {
  boost::json::object config = base_config();
  config["hidden"] = hidden_;
  return config;
}

std::shared_ptr<TinyMLP> TinyMLP::from_config(const boost::json::object& config,
                                              kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "TinyMLP");
  kplug::LayerArgs args = kplug::LayerArgs::read(reader);
  const std::int64_t hidden = reader.integer("hidden", 4);
  reader.finish();
  return std::make_shared<TinyMLP>(hidden, std::move(args));
}

std::vector<kplug::LayerAttribute> TinyMLP::layer_attributes() const {
  // Keras's walk visits attributes by sorted name; `layers` (both again) comes later and
  // finds them saved already.
  return {kplug::LayerAttribute{.name = "encoder", .layers = {encoder_}},
          kplug::LayerAttribute{.name = "head", .layers = {head_}}};
}

void TinyMLP::build(const std::vector<kplug::PartialShape>& input_shapes) {
  const kplug::PartialShape& in = single_shape(input_shapes);
  encoder_->maybe_build({in});
  head_->maybe_build(encoder_->compute_output_shape({in}));
  input_ = std::make_shared<kplug::layers::InputLayer>(kplug::layers::InputLayer::Options{.batch_shape = in},
                                                       kplug::LayerArgs{.name = std::string("input_layer")});
}

std::vector<std::shared_ptr<kplug::layers::InputLayer>> TinyMLP::input_layers() const {
  if (!input_) return {};
  return {input_};
}

std::vector<kplug::PartialShape> TinyMLP::compute_output_shape(
    const std::vector<kplug::PartialShape>& input_shapes) const {
  return head_->compute_output_shape(encoder_->compute_output_shape({single_shape(input_shapes)}));
}

std::vector<kplug::PartialShape> TinyMLP::output_shapes() const {
  if (!build_shapes()) return {};
  return compute_output_shape(*build_shapes());
}

std::vector<kplug::Tensor> TinyMLP::call(kplug::CallArgs& args) {
  expect_inputs(args, 1);
  return {(*head_)((*encoder_)(args.inputs[0]))};
}

}  // namespace keras_guide
