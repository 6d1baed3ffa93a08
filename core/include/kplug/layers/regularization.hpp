// keras.layers regularization layers: identity at inference.
#pragma once

#include "kplug/layers/layer.hpp"

#include <memory>
#include <optional>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

class Dropout : public Layer {
 public:
  struct Options {
    double rate = 0.0;
    std::optional<std::int64_t> seed{};
    std::optional<std::vector<Dim>> noise_shape{};
  };
  Dropout(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Dropout> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  // Identity at inference; training mode is not supported.
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
