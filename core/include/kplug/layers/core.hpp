// keras.layers core layers: InputLayer, Dense, Activation, and Lambda (refused).
#pragma once

#include "kplug/activations.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/regularizers.hpp"

#include <memory>
#include <string>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// The entry point of a model: no weights, its output is the model's input.
class InputLayer : public Layer {
 public:
  struct Options {
    PartialShape batch_shape;       // including the batch dim
    std::string dtype = "float32";  // "float32", or an integer type for token ids
    bool optional = false;
  };
  InputLayer(Options options, LayerArgs args);
  const PartialShape& batch_shape() const noexcept { return options_.batch_shape; }
  const std::string& dtype() const noexcept { return options_.dtype; }
  boost::json::object get_config() const override;
  static std::shared_ptr<InputLayer> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Dense's arguments, with Keras's defaults.
struct DenseOptions {
  std::int64_t units = 0;
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  bool use_bias = true;
  std::shared_ptr<Initializer> kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Initializer> bias_initializer = std::make_shared<initializers::Zeros>();
  std::shared_ptr<Regularizer> kernel_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> kernel_constraint, bias_constraint;
};

// activation(dot(x, kernel) + bias) over the last axis of any rank.
class Dense : public FieldsLayer<Dense, DenseOptions> {
 public:
  // Dense's own config keys, in Keras's get_config order.
  static const config::Fields<Options>& fields();
  Dense(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr kernel_, bias_;
};

// Applies an activation (any of keras.activations, or a registered one).
class ActivationLayer : public Layer {
 public:
  ActivationLayer(std::shared_ptr<Activation> activation, LayerArgs args);
  std::string class_name() const override { return "Activation"; }
  boost::json::object get_config() const override;
  static std::shared_ptr<ActivationLayer> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::shared_ptr<Activation> activation_;
};

// Lambda layers hold Python bytecode: refused in safe mode (Keras's message), and not
// supported with safe_mode=false either (kplug never runs Python code).
class Lambda : public Layer {
 public:
  static std::shared_ptr<Lambda> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Lambda();
};

}  // namespace kplug::layers

#pragma GCC visibility pop

// ---- Identity, Rescaling (layer catalogue) ----

#include "kplug/config_fields.hpp"

#pragma GCC visibility push(default)

namespace kplug::layers {

// Returns its input (and its mask).
class Identity : public Layer {
 public:
  explicit Identity(LayerArgs args);
  boost::json::object get_config() const override { return base_config(); }
  static std::shared_ptr<Identity> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// x * scale + offset; scale and offset are numbers or (nested) lists broadcast against the
// input (per channel), written back as given.
class Rescaling : public Layer {
 public:
  struct Options {
    boost::json::value scale = 1.0;
    boost::json::value offset = 0.0;
  };
  static const config::Fields<Options>& fields();
  Rescaling(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Rescaling> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  Tensor scale_, offset_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
