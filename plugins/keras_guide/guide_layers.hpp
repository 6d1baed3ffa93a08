// The Keras saving guide's layers, registered in Python with register_keras_serializable:
// MyLayers>CustomLayer (x * factor) and MyLayers>KernelMult (class MyDense, matmul with one
// "kernel"). Their Keras-written configs and models: tests/data/objects/custom_*.json,
// tests/data/plugin_models/custom_objects and custom_kernelmult.
#pragma once

#include <kplug/sdk.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace keras_guide {

// class CustomLayer(keras.layers.Layer): x * factor. Its __init__ passes nothing to the
// base Layer, so its config is only {"factor": ...} and its name is automatic.
class CustomLayer : public kplug::Layer {
 public:
  struct Options {
    kplug::Number factor;  // an int stays an int in the config, as Python keeps it
  };
  static const kplug::config::Fields<Options>& fields();
  explicit CustomLayer(Options options);
  boost::json::object get_config() const override;
  static std::shared_ptr<CustomLayer> from_config(const boost::json::object& config,
                                                  kplug::DeserializationContext& context);
  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override;

 protected:
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override;

 private:
  Options options_;
};

// class MyDense(keras.layers.Layer), registered as "MyLayers>KernelMult" (the C++ class
// keeps the Python name: serialize writes it as "class_name"): one weight
// "kernel" (input_dim, units), call ops::matmul(inputs, kernel).
// Its config keeps kernel_regularizer, kernel_initializer and nested_model exactly as given
// (MyDense.get_config returns its constructor arguments): "l1" stays "l1", not L1's dict.
// nested_model: read from a config it stays the plain value Keras's from_config passes to
// __init__ (Keras: a TrackedDict holding the layer's dict; no layer, no weights), and is
// written back unchanged.
class MyDense : public kplug::Layer {
 public:
  struct Options {
    std::int64_t units = 0;
    // As configs hold them (null, a name such as "l1", or an object dict)...
    boost::json::value kernel_regularizer_config, kernel_initializer_config;
    // ...and as built from them (null: none / Keras's add_weight default, glorot_uniform).
    std::shared_ptr<kplug::Regularizer> kernel_regularizer;
    std::shared_ptr<kplug::Initializer> kernel_initializer;
    boost::json::value nested_model_config;
  };
  static const kplug::config::Fields<Options>& fields();
  MyDense(Options options, kplug::LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<MyDense> from_config(const boost::json::object& config,
                                              kplug::DeserializationContext& context);
  std::vector<kplug::PartialShape> compute_output_shape(
      const std::vector<kplug::PartialShape>& input_shapes) const override;
  const kplug::VariablePtr& kernel() const noexcept { return kernel_; }

 protected:
  void build(const std::vector<kplug::PartialShape>& input_shapes) override;
  std::vector<kplug::Tensor> call(kplug::CallArgs& args) override;

 private:
  Options options_;
  kplug::VariablePtr kernel_;
};

}  // namespace keras_guide
