// keras.activations: functions from a tensor to a tensor of the same shape.
#pragma once

#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include "kplug/source_location.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug {

// Anything usable as an activation: built-in and registered functions, or a
// registered class with a config.
class Activation : public SerializableOfKind<Kind::activation> {
 public:
  ~Activation() override;
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
  const NamedFunction* as_named_function() const noexcept override { return this; }

 private:
  Fn fn_;
};

// Registers `fn` as the activation "package>name" (Keras's register_keras_serializable
// on a function). Returns the key.
std::string register_activation(std::string_view package, std::string_view name, ActivationFunction::Fn fn,
                                bool replace = false, SourceLocation where = SourceLocation::current());

// A keras.activations built-in by name: "linear" is Keras's `activation=None`. Layers' Options
// use it for their defaults (`activation = builtin_activation("linear")`).
std::shared_ptr<Activation> builtin_activation(std::string_view name);

}  // namespace kplug

// keras.activations as typed C++ functions, with Keras 3's keyword arguments and
// defaults. Each returns a new tensor; element-wise ones keep the shape, the axis-wise
// ones (softmax, log_softmax, sparsemax, glu) work along `axis` (negative counts from
// the end; out of range -> ValueError). A NaN or infinite hyper-parameter, or one
// outside the function's domain, throws ValueError.
namespace kplug::activations {

// --- piecewise (core/src/activations/piecewise.cpp) ---
Tensor linear(const Tensor& x);
// Keras's ReLU.static_call: x above `threshold` (else 0), clipped to [0, max_value],
// minus negative_slope * (threshold - x) below the threshold. max_value must be >= 0.
Tensor relu(const Tensor& x, float negative_slope = 0.0f, std::optional<float> max_value = {}, float threshold = 0.0f);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.2f);
Tensor relu6(const Tensor& x);
Tensor hard_sigmoid(const Tensor& x);  // clip(x / 6 + 0.5, 0, 1)
// Keras 1/2's hard_sigmoid, clip(0.2 x + 0.5, 0, 1): the activation kKeras2HardSigmoid that
// configs from Keras < 3 are upgraded to (kplug/models/legacy_config.hpp).
Tensor hard_sigmoid_keras2(const Tensor& x);
inline constexpr std::string_view kKeras2HardSigmoid = "keras2>hard_sigmoid";
Tensor hard_silu(const Tensor& x);  // x * hard_sigmoid(x)
inline Tensor hard_swish(const Tensor& x) { return hard_silu(x); }
Tensor hard_tanh(const Tensor& x);  // clip(x, -1, 1)
// x where |x| > threshold, else 0. threshold must be >= 0.
Tensor hard_shrink(const Tensor& x, float threshold = 0.5f);
// x - threshold above threshold, x + threshold below -threshold, else 0. threshold >= 0.
Tensor soft_shrink(const Tensor& x, float threshold = 0.5f);
// x where x > threshold, else default_value. Keras gives these no defaults.
Tensor threshold(const Tensor& x, float threshold, float default_value);
Tensor sparse_plus(const Tensor& x);     // 0, (x + 1)^2 / 4, x
Tensor sparse_sigmoid(const Tensor& x);  // 0, (x + 1) / 2, 1

// --- smooth (core/src/activations/smooth.cpp) ---
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor exponential(const Tensor& x);
Tensor softplus(const Tensor& x);     // log(1 + exp(x)), stable for large |x|
Tensor log_sigmoid(const Tensor& x);  // -softplus(-x)
Tensor softsign(const Tensor& x);     // x / (1 + |x|)
Tensor silu(const Tensor& x);         // x * sigmoid(x)
inline Tensor swish(const Tensor& x) { return silu(x); }
Tensor mish(const Tensor& x);  // x * tanh(softplus(x))
// Exact x * Phi(x) by default, as Keras; `approximate` uses the tanh formula.
Tensor gelu(const Tensor& x, bool approximate = false);
Tensor elu(const Tensor& x, float alpha = 1.0f);
Tensor selu(const Tensor& x);
// max(x, 0) + alpha * expm1(min(x, 0) / alpha); alpha must be > 0.
Tensor celu(const Tensor& x, float alpha = 1.0f);
// (x + sqrt(x^2 + b)) / 2; b must be >= 0.
Tensor squareplus(const Tensor& x, float b = 4.0f);
Tensor tanh_shrink(const Tensor& x);  // x - tanh(x)

// --- along an axis (core/src/activations/axis_wise.cpp) ---
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);
// Euclidean projection of each slice onto the probability simplex (Martins & Astudillo).
Tensor sparsemax(const Tensor& x, std::int64_t axis = -1);
// a * sigmoid(b), a and b the two halves of `axis` (odd length -> ValueError).
Tensor glu(const Tensor& x, std::int64_t axis = -1);

}  // namespace kplug::activations
#pragma GCC visibility pop
