// keras.layers.Masking: time steps whose features all equal `mask_value` are masked (and
// zeroed); the mask (batch, time) goes to the layers that consume one (RNN layers).
#pragma once

#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"

#include <memory>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

class Masking : public Layer {
 public:
  struct Options {
    Number mask_value = Number::real(0.0);
  };
  Masking(Options options, LayerArgs args);
  static std::shared_ptr<Masking> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  // any(x != mask_value, axis=-1)
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
