#include "addons_layers.hpp"

namespace kplug_addons {

WeightNormalization::WeightNormalization(kplug::LayerPtr layer, bool data_init, kplug::LayerArgs args)
    : Layer(std::move(args)), layer_(std::move(layer)), data_init_(data_init) {
  if (!layer_) throw kplug::ValueError("WeightNormalization needs a layer to wrap");
}

boost::json::object WeightNormalization::get_config() const {
  // tf.keras's Wrapper: the base keys, then "layer"; then WeightNormalization's "data_init".
  boost::json::object config = base_config();
  config["layer"] = kplug::serialize_layer(*layer_);
  config["data_init"] = data_init_;
  return config;
}

std::shared_ptr<WeightNormalization> WeightNormalization::from_config(const boost::json::object& config,
                                                                      kplug::DeserializationContext& context) {
  kplug::ConfigReader reader(config, context, "WeightNormalization");
  kplug::LayerArgs args = kplug::LayerArgs::read(reader);
  const boost::json::value* layer_config = reader.raw("layer");
  if (!layer_config || layer_config->is_null()) reader.fail("layer", "missing required argument 'layer'");
  kplug::LayerPtr layer;
  {
    kplug::DeserializationContext::PathScope at(context, "layer");
    layer = kplug::deserialize_layer(*layer_config, context);
  }
  const bool data_init = reader.boolean("data_init", true);
  reader.finish();
  return std::make_shared<WeightNormalization>(std::move(layer), data_init, std::move(args));
}

std::vector<kplug::LayerAttribute> WeightNormalization::layer_attributes() const {
  return {kplug::LayerAttribute{.name = "layer", .layers = {layer_}}};
}

void WeightNormalization::build(const std::vector<kplug::PartialShape>& input_shapes) {
  layer_->maybe_build(input_shapes);
  for (const auto& attribute : layer_->layer_attributes()) {
    if (attribute.name == "cell") {
      throw kplug::NotSupportedError("WeightNormalization '" + name() + "': wrapping a recurrent layer ('" +
                                     layer_->name() + "', its recurrent_kernel) is not supported");
    }
  }
  for (const auto& variable : layer_->own_variables()) {
    if (variable->name() == "kernel") v_ = variable;
  }
  if (!v_) {
    fail("`WeightNormalization` must wrap a layer that contains a `kernel` for weights; '" + layer_->name() + "' (" +
         layer_->class_name() + ") has none");
  }
  if (v_->shape().size() < 2)
    fail("the wrapped layer's kernel must have rank >= 2, got " + kplug::shape_repr(v_->shape()));
  const std::int64_t depth = v_->shape().back();
  g_ = add_weight({"g", {depth}, std::make_shared<kplug::initializers::Ones>(), nullptr, nullptr, true});
  initialized_ =
      add_weight({"initialized", {}, std::make_shared<kplug::initializers::Zeros>(), nullptr, nullptr, false});
}

std::vector<kplug::PartialShape> WeightNormalization::compute_output_shape(
    const std::vector<kplug::PartialShape>& input_shapes) const {
  return layer_->compute_output_shape(input_shapes);
}

std::vector<kplug::Tensor> WeightNormalization::call(kplug::CallArgs& args) {
  const kplug::Shape& kshape = v_->shape();
  std::vector<std::int64_t> norm_axes(kshape.size() - 1);
  for (std::size_t i = 0; i < norm_axes.size(); ++i) norm_axes[i] = static_cast<std::int64_t>(i);
  if (initialized_->value().item() == 0.0f) {
    if (data_init_) {
      throw kplug::NotSupportedError(
          "WeightNormalization '" + name() + "' has data_init=True and is not initialized: TF Addons initializes it " +
          "from the first batch it sees (a training step kplug does not run); load its weights or use data_init=False");
    }
    // TF Addons' _init_norm: g = ||v|| per output, so that the first call computes with v itself.
    g_->assign(kplug::ops::sqrt(kplug::ops::sum(kplug::ops::square(v_->value()), norm_axes)));
    initialized_->assign(kplug::Tensor(kplug::Shape{}, 1.0f));
  }
  kplug::Tensor kernel = kplug::ops::multiply(kplug::ops::l2_normalize(v_->value(), norm_axes), g_->value());
  // The wrapped layer computes with the normalized kernel; its variable keeps v.
  kplug::StatelessScope scope({{v_, std::move(kernel)}});
  return (*layer_)(args);
}

}  // namespace kplug_addons
