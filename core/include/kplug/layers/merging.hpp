// keras.layers merging layers: element-wise combinations of several inputs with
// numpy broadcasting, as Keras's Merge base does.
#pragma once

#include "kplug/layers/layer.hpp"

#include <memory>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Keras's Merge: at least two inputs; output masks are the AND of the input masks.
class Merge : public Layer {
 public:
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;

 protected:
  explicit Merge(LayerArgs args) : Layer(std::move(args)) {}
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
  // Combines the inputs (at least two).
  virtual Tensor merge(const std::vector<Tensor>& inputs) const = 0;
};

class Add : public Merge {
 public:
  explicit Add(LayerArgs args) : Merge(std::move(args)) {}
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Add> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  Tensor merge(const std::vector<Tensor>& inputs) const override;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
