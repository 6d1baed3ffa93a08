// keras.layers activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/elementwise_layer.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/regularizers.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

struct ReLUOptions {
  std::optional<Number> max_value;            // >= 0
  Number negative_slope = Number::real(0.0);  // >= 0
  Number threshold = Number::real(0.0);
};

// Keras's relu with its three options: x above threshold (else 0), capped at max_value,
// minus negative_slope * (threshold - x) below the threshold.
class ReLU : public ElementwiseLayer<ReLU, ReLUOptions> {
 public:
  static const config::Fields<Options>& fields();
  ReLU(Options options, LayerArgs args);
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct LeakyReLUOptions {
  Number negative_slope = Number::real(0.3);  // >= 0
};

// x for x >= 0, negative_slope * x below. The legacy key `alpha` is read as negative_slope.
class LeakyReLU : public ElementwiseLayer<LeakyReLU, LeakyReLUOptions> {
 public:
  static const config::Fields<Options>& fields();
  LeakyReLU(Options options, LayerArgs args);

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct PReLUOptions {
  std::shared_ptr<Initializer> alpha_initializer;  // null: Zeros
  std::shared_ptr<Regularizer> alpha_regularizer;
  std::shared_ptr<Constraint> alpha_constraint;
  std::optional<std::vector<std::int64_t>> shared_axes;  // an int reads as a one-element list
};

// relu(x) - alpha * relu(-x) with a learned alpha of the input's shape without the batch
// axis (length 1 on the shared axes).
class PReLU : public FieldsLayer<PReLU, PReLUOptions> {
 public:
  static const config::Fields<Options>& fields();
  PReLU(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  const VariablePtr& alpha() const noexcept { return alpha_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr alpha_;
};

struct ELUOptions {
  Number alpha = Number::real(1.0);
};

// x for x > 0, alpha * (exp(x) - 1) below. Keras writes its config as name, alpha,
// trainable, dtype.
class ELU : public ElementwiseLayer<ELU, ELUOptions> {
 public:
  static const config::Fields<Options>& fields();
  using ElementwiseLayer::ElementwiseLayer;
  boost::json::object get_config() const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct SoftmaxOptions {
  std::vector<std::int64_t> axis{-1};
  bool axis_is_list = false;  // written back in the form read
};

// Softmax along one axis, or several (exp(x - logsumexp(x))). With a mask (broadcast to the
// input, values > 0.5 kept) masked positions score -1e9 and output 0, as Keras.
class Softmax : public ElementwiseLayer<Softmax, SoftmaxOptions> {
 public:
  static const config::Fields<Options>& fields();
  Softmax(Options options, LayerArgs args);
  // One axis, the last: a step (no mask given, as every step).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
