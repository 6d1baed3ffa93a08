// keras.layers core layers (keras/src/layers/core/): InputLayer, Dense, EinsumDense,
// Activation, Embedding, Masking, Identity, Lambda (registered
// C++ implementations only), and Rescaling.
#pragma once

#include "kplug/activations.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/lambda_function.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/number.hpp"
#include "kplug/regularizers.hpp"

#include <boost/json/value.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

struct InputLayerOptions {
  PartialShape batch_shape;       // including the batch dim
  std::string dtype = "float32";  // "float32", or an integer type for token ids
  bool optional = false;
};

// The entry point of a model: no weights, its output is the model's input.
class InputLayer : public FieldsLayer<InputLayer, InputLayerOptions> {
 public:
  static const config::Fields<Options>& fields();
  // Keras's InputLayer has none of Layer's base keys but `name`, and its `dtype` is the
  // input's dtype, not a DTypePolicy: it reads and writes its keys itself.
  static std::shared_ptr<InputLayer> from_config(const boost::json::object& config, DeserializationContext& context);
  boost::json::object get_config() const override;
  InputLayer(Options options, LayerArgs args);
  const PartialShape& batch_shape() const noexcept { return options_.batch_shape; }
  const std::string& dtype() const noexcept { return options_.dtype; }
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The kernel and bias arguments of Dense-like layers, with Keras's defaults.
struct KernelBiasOptions {
  std::shared_ptr<Initializer> kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Initializer> bias_initializer = std::make_shared<initializers::Zeros>();
  std::shared_ptr<Regularizer> kernel_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> kernel_constraint, bias_constraint;
};

// Their keys in Keras's order: initializers, regularizers, `before_constraints` (an
// `activity_regularizer`), constraints. A null initializer is Keras's default.
template <class Options>
requires std::derived_from<Options, KernelBiasOptions> config::Fields<Options> kernel_bias_fields(
    const config::Fields<Options>& before_constraints = {}) {
  using config::field;
  using K = KernelBiasOptions;
  const config::Fields<Options> head = config::Fields<K>{
      field("kernel_initializer", &K::kernel_initializer).null_is_default(),
      field("bias_initializer", &K::bias_initializer).null_is_default(),
      field("kernel_regularizer", &K::kernel_regularizer), field("bias_regularizer", &K::bias_regularizer)};
  const config::Fields<Options> constraints = config::Fields<K>{field("kernel_constraint", &K::kernel_constraint),
                                                                field("bias_constraint", &K::bias_constraint)};
  return head + before_constraints + constraints;
}

// The base of a layer with a `kernel` weight and an optional `bias` (Dense, EinsumDense).
template <class Derived, class OptionsT>
class KernelBiasLayer : public FieldsLayer<Derived, OptionsT> {
 public:
  KernelBiasLayer(OptionsT options, LayerArgs args)
      : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {
    // A null initializer given by a C++ caller means Keras's default too.
    KernelBiasOptions& o = this->options_;
    const KernelBiasOptions defaults;
    if (!o.kernel_initializer) o.kernel_initializer = defaults.kernel_initializer;
    if (!o.bias_initializer) o.bias_initializer = defaults.bias_initializer;
  }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  void add_kernel_bias(const Shape& kernel_shape, const std::optional<Shape>& bias_shape) {
    const KernelBiasOptions& o = this->options_;
    kernel_ = this->add_weight(
        {"kernel", kernel_shape, o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint, true});
    if (bias_shape) {
      bias_ = this->add_weight({"bias", *bias_shape, o.bias_initializer, o.bias_regularizer, o.bias_constraint, true});
    }
  }

  VariablePtr kernel_, bias_;
};

// Dense's arguments, with Keras's defaults.
struct DenseOptions : KernelBiasOptions {
  std::int64_t units = 0;
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  bool use_bias = true;
};

// activation(dot(x, kernel) + bias) over the last axis of any rank.
class Dense : public KernelBiasLayer<Dense, DenseOptions> {
 public:
  // Dense's own config keys, in Keras's get_config order.
  static const config::Fields<Options>& fields();
  Dense(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

struct EinsumDenseOptions : KernelBiasOptions {
  std::vector<std::optional<std::int64_t>> output_shape;  // excluding batch and "..." axes
  std::string equation;
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  std::optional<std::string> bias_axes;
  std::shared_ptr<Regularizer> activity_regularizer;  // the Layer's, written at Keras's place
};

// activation(einsum(equation, x, kernel) + bias). The equation is one Keras accepts:
// "ab,bc->ac", "...b,bc->...c" (ellipsis on the left) or "ab...,bc->ac..." (on the right).
class EinsumDense : public KernelBiasLayer<EinsumDense, EinsumDenseOptions> {
 public:
  // The weight shapes and full output shape Keras's _analyze_einsum_string derives.
  struct Analysis {
    Shape kernel_shape;
    std::optional<Shape> bias_shape;
    PartialShape output_shape;
  };
  static const config::Fields<Options>& fields();
  EinsumDense(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  Analysis analyze(const PartialShape& input_shape) const;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

struct ActivationOptions {
  std::shared_ptr<Activation> activation = builtin_activation("linear");
};

// Applies an activation (any of keras.activations, or a registered one).
class ActivationLayer : public FieldsLayer<ActivationLayer, ActivationOptions> {
 public:
  static constexpr std::string_view keras_class_name = "Activation";
  static const config::Fields<Options>& fields();
  ActivationLayer(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct EmbeddingOptions {
  std::int64_t input_dim = 0;  // vocabulary size: ids must lie in [0, input_dim)
  std::int64_t output_dim = 0;
  std::shared_ptr<Initializer> embeddings_initializer = std::make_shared<initializers::RandomUniform>();
  std::shared_ptr<Regularizer> embeddings_regularizer;
  std::shared_ptr<Regularizer> activity_regularizer;  // the Layer's, written at Keras's place
  std::shared_ptr<Constraint> embeddings_constraint;
  bool mask_zero = false;  // id 0 is padding: the output mask is `ids != 0`
};

// Integer token ids -> rows of an (input_dim, output_dim) table.
class Embedding : public FieldsLayer<Embedding, EmbeddingOptions> {
 public:
  static const config::Fields<Options>& fields();
  Embedding(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return options_.mask_zero; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  const VariablePtr& embeddings() const noexcept { return embeddings_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  // Integer ids of any shape (floats are truncated to int32 as Keras casts them); an id
  // outside [0, input_dim) is a ValueError naming it.
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr embeddings_;
};

struct MaskingOptions {
  Number mask_value = Number::real(0.0);
};

// Time steps whose features all equal `mask_value` are masked (and zeroed); the mask
// (batch, time) goes to the layers that consume one (RNN layers).
class Masking : public FieldsLayer<Masking, MaskingOptions> {
 public:
  static const config::Fields<Options>& fields();
  Masking(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  // any(x != mask_value, axis=-1)
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct IdentityOptions {};

// Returns its input (and its mask).
class Identity : public FieldsLayer<Identity, IdentityOptions> {
 public:
  static const config::Fields<Options>& fields();
  Identity(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// Keras's Lambda arguments, kept as the config holds them (written back unchanged).
struct LambdaOptions {
  boost::json::value function;                     // a registered function or a `__lambda__`
  std::optional<boost::json::value> output_shape;  // batch excluded; written only when given
  std::optional<boost::json::value> mask;          // written only when given (refused)
  boost::json::value arguments = boost::json::object();
};

// A Lambda layer runs the C++ implementation registered for it (kplug/layers/lambda_function.hpp):
// matched by the registered function its `function` names, or by its name when `function`
// is a Python lambda. Without one, Python bytecode is refused as Keras refuses it in safe
// mode (UnsafeObjectError with Keras's message), and never run with safe_mode=false either.
class Lambda : public FieldsLayer<Lambda, LambdaOptions> {
 public:
  static const config::Fields<Options>& fields();
  // Reads the keys, then finds the implementation (or refuses, naming the layer).
  static std::shared_ptr<Lambda> from_config(const boost::json::object& config, DeserializationContext& context);
  Lambda(Options options, LayerArgs args, std::shared_ptr<const LambdaFunction> implementation);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const LambdaFunction& implementation() const noexcept { return *implementation_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::shared_ptr<const LambdaFunction> implementation_;
};

// Rescaling (keras/src/layers/preprocessing/rescaling.py): scale and offset are numbers or
// (nested) lists broadcast against the input (per channel), written back as given.
struct RescalingOptions {
  boost::json::value scale = 1.0;
  boost::json::value offset = 0.0;
};

// x * scale + offset.
class Rescaling : public FieldsLayer<Rescaling, RescalingOptions> {
 public:
  static const config::Fields<Options>& fields();
  Rescaling(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Tensor scale_, offset_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
