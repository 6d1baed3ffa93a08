// keras.layers reshaping layers.
#pragma once

#include "kplug/layers/layer.hpp"

#include <memory>
#include <string>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// (batch, ...) -> (batch, prod(...)); channels_first moves the channel axis last first.
class Flatten : public Layer {
 public:
  Flatten(std::string data_format, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Flatten> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::string data_format_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
