// keras.Sequential: a stack of single-input, single-output layers.
#pragma once

#include "kplug/models/model.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug {

class Sequential : public Model {
 public:
  explicit Sequential(LayerArgs args = {});
  std::string class_name() const override { return "Sequential"; }

  // Appends a layer. An InputLayer is only accepted first; names must stay unique.
  // With an InputLayer in front, the stack is (re)built at once, as Keras does.
  void add(LayerPtr layer);
  std::vector<LayerPtr> layers() const override;
  std::vector<std::shared_ptr<layers::InputLayer>> input_layers() const override;
  std::vector<std::string> output_names() const override;
  std::vector<PartialShape> output_shapes() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

  boost::json::object get_config() const override;
  static std::shared_ptr<Sequential> from_config(const boost::json::object& config, DeserializationContext& context);

 protected:
  std::shared_ptr<const detail::InferenceGraph> inference_graph(const std::vector<TensorSpec>& inputs) const override;
  // Inserts an InputLayer of this shape when there is none, then builds every layer.
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  layers::InputLayer* input_layer_if_any() const;
  std::vector<LayerPtr> layers_;
  // Adding stays linear: names in a hash set, and the output shape of the stack so far.
  std::unordered_set<std::string> names_;
  std::optional<PartialShape> output_shape_;  // with the InputLayer, if any, first
  // How a call runs the layers: the convolution chains it fuses (core/src/models/conv_fusion),
  // planned on the first call after the stack changed.
  struct Plan;
  std::shared_ptr<const Plan> plan() const;
  mutable std::mutex plan_mutex_;
  mutable std::shared_ptr<const Plan> plan_;
};

}  // namespace kplug

#pragma GCC visibility pop
