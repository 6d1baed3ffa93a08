// A subclassed model registered by a plugin, as Keras users write them:
//
//   @keras.saving.register_keras_serializable(package="MyLayers")
//   class TinyMLP(keras.Model):
//       def __init__(self, hidden=4, **kwargs):
//           super().__init__(**kwargs)
//           self.hidden = hidden
//           self.encoder = keras.layers.Dense(hidden, activation="relu")
//           self.head = keras.layers.Dense(1)
//       def call(self, inputs):
//           return self.head(self.encoder(inputs))
//       def get_config(self):
//           return {**super().get_config(), "hidden": self.hidden}
//
// Config: Layer's base keys (name, trainable, dtype), then "hidden". Weights: the
// sublayers in assignment order (encoder, then head); in weight files under their
// attribute names ("encoder/vars/0", "head/vars/1"), as Keras's saving walk finds them.
#pragma once

#include <kplug/models/model.hpp>
#include <kplug/sdk.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keras_guide {

class TinyMLP : public kplug::Model {
 public:
  TinyMLP(std::int64_t hidden, kplug::LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<TinyMLP> from_config(const boost::json::object& config,
                                              kplug::DeserializationContext& context);

  std::vector<kplug::LayerPtr> layers() const override { return {encoder_, head_}; }
  // A subclassed model has no InputLayer: one is made from the shape it was built with.
  std::vector<std::shared_ptr<kplug::layers::InputLayer>> input_layers() const override;
  std::vector<std::string> output_names() const override { return {name()}; }
  std::vector<kplug::PartialShape> output_shapes() const override;
  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override;
  std::vector<kplug::LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<kplug::PartialShape>& input_shapes) override;
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override;

 private:
  std::int64_t hidden_;
  kplug::LayerPtr encoder_, head_;
  std::shared_ptr<kplug::layers::InputLayer> input_;
};

}  // namespace keras_guide
