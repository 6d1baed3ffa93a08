// keras.activations: functions from a tensor to a tensor of the same shape.
#pragma once

#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <functional>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>

namespace kplug {

// Anything usable as an activation: built-in and registered functions, or a
// registered class with a config.
class Activation : public Serializable {
 public:
  static constexpr Kind static_kind = Kind::activation;
  ~Activation() override;
  Kind kind() const override { return static_kind; }
  virtual Tensor operator()(const Tensor& x) const = 0;
};

// A named activation function ("relu", "my_package>custom_fn").
class ActivationFunction final : public Activation, public NamedFunction {
 public:
  using Fn = std::function<Tensor(const Tensor&)>;
  ActivationFunction(std::string name, Fn fn);
  ~ActivationFunction() override;
  Tensor operator()(const Tensor& x) const override { return fn_(x); }
  boost::json::object get_config() const override;  // throws: functions have no config
  std::string class_name() const override { return "function"; }

 private:
  Fn fn_;
};

// Registers `fn` as the activation "package>name" (Keras's register_keras_serializable
// on a function). Returns the key.
std::string register_activation(std::string_view package, std::string_view name, ActivationFunction::Fn fn,
                                bool replace = false, std::source_location where = std::source_location::current());

}  // namespace kplug
