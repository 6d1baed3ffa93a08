// keras.layers normalization layers.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/regularizers.hpp"

#include <memory>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Normalizes over `axis` (mean and variance, or only the variance with
// rms_scaling), then scales by gamma and shifts by beta.
class LayerNormalization : public Layer {
 public:
  struct Options {
    std::vector<std::int64_t> axis{-1};
    bool axis_is_list = false;  // Keras writes back what it was given after build: a list
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    bool rms_scaling = false;
    std::shared_ptr<Initializer> beta_initializer, gamma_initializer;  // null: Zeros / Ones
    std::shared_ptr<Regularizer> beta_regularizer, gamma_regularizer;
    std::shared_ptr<Constraint> beta_constraint, gamma_constraint;
  };
  // Its own config keys, in Keras's get_config order.
  static const config::Fields<Options>& fields();
  LayerNormalization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<LayerNormalization> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr gamma_, beta_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
