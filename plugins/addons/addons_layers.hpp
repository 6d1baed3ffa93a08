// TensorFlow Addons layers under the keys TF Addons wrote (Addons>WeightNormalization,
// Addons>InstanceNormalization), re-implemented on kplug's Layer API.
#pragma once

#include <kplug/config_fields.hpp>
#include <kplug/sdk.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace kplug_addons {

// tfa.layers.WeightNormalization: wraps a layer holding a `kernel` v and computes with
// kernel = g * v / ||v|| (the norm over every axis but the last), g one scale per output.
// Weights: own g (trainable) and `initialized` (non-trainable scalar, 0 or 1: TF's bool
// flag, kept as float32), then the wrapped layer's under the attribute "layer".
// A call on an uninitialized wrapper initializes it as TF Addons does with
// data_init=False (g = ||v||); the data-dependent init of data_init=True is a training
// step kplug does not run: such a wrapper must have its weights loaded.
class WeightNormalization : public kplug::Layer {
 public:
  WeightNormalization(kplug::LayerPtr layer, bool data_init, kplug::LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<WeightNormalization> from_config(const boost::json::object& config,
                                                          kplug::DeserializationContext& context);
  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override;
  std::vector<kplug::LayerAttribute> layer_attributes() const override;
  const kplug::LayerPtr& layer() const noexcept { return layer_; }

 protected:
  void build(const std::vector<kplug::PartialShape>& input_shapes) override;
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override;

 private:
  kplug::LayerPtr layer_;
  bool data_init_;
  kplug::VariablePtr v_, g_, initialized_;
};

// tfa.layers.InstanceNormalization: GroupNormalization with one group per channel. Each
// sample's each channel is normalized over the remaining (spatial) axes, then scaled by
// gamma and shifted by beta (one per channel).
class InstanceNormalization : public kplug::Layer {
 public:
  struct Options {
    std::int64_t groups = -1;  // read and ignored (TF Addons overrides it); written as the channels once built
    std::int64_t axis = -1;
    kplug::Number epsilon = kplug::Number::real(1e-3);
    bool center = true;
    bool scale = true;
    std::shared_ptr<kplug::Initializer> beta_initializer, gamma_initializer;
    std::shared_ptr<kplug::Regularizer> beta_regularizer, gamma_regularizer;
    std::shared_ptr<kplug::Constraint> beta_constraint, gamma_constraint;
  };
  InstanceNormalization(Options options, kplug::LayerArgs args);
  static const kplug::config::Fields<Options>& fields();
  boost::json::object get_config() const override;
  static std::shared_ptr<InstanceNormalization> from_config(const boost::json::object& config,
                                                            kplug::DeserializationContext& context);
  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<kplug::PartialShape>& input_shapes) override;
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override;

 private:
  Options options_;
  std::int64_t channel_axis_ = -1;  // normalized, once built
  kplug::VariablePtr gamma_, beta_;
};

}  // namespace kplug_addons
