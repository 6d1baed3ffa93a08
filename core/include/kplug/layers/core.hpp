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
#include "kplug/layers/quantization.hpp"
#include "kplug/number.hpp"
#include "kplug/ops/derived_tensor_cache.hpp"
#include "kplug/regularizers.hpp"

#include <boost/json/value.hpp>

#include <array>
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
class KernelBiasLayer : public FieldsLayer<Derived, OptionsT>, public QuantizedDTypeHolder {
 public:
  KernelBiasLayer(OptionsT options, LayerArgs args)
      : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {
    // A null initializer given by a C++ caller means Keras's default too.
    KernelBiasOptions& o = this->options_;
    const KernelBiasOptions defaults;
    if (!o.kernel_initializer) o.kernel_initializer = defaults.kernel_initializer;
    if (!o.bias_initializer) o.bias_initializer = defaults.bias_initializer;
  }
  // Derived's config, with a quantized dtype policy when Derived lists `quantization_modes`
  // (the modes Keras's quantize() supports for it).
  static std::shared_ptr<Derived> from_config(const boost::json::object& config, DeserializationContext& context) {
    if constexpr (requires { Derived::quantization_modes; }) {
      return quantizable_from_config<Derived>(config, context);
    } else {
      return FieldsLayer<Derived, OptionsT>::from_config(config, context);
    }
  }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }
  // A quantized layer's other variables (kernel_scale, kernel_zero, g_idx, float8's
  // scales and amax histories), in the order Keras creates them.
  const std::vector<VariablePtr>& quantization_variables() const noexcept { return quantization_variables_; }

  // Keras's variable_serialization_spec: kernel, bias, then the quantization variables
  // (while model.weights lists the trainable bias before a quantized, non-trainable kernel).
  void save_own_variables(saving::WeightsStore::Entry& store) const override {
    save_in_order(this->own_variables(), serialized_variables(), store,
                  [this](saving::WeightsStore::Entry& e) { this->Layer::save_own_variables(e); });
  }
  void load_own_variables(const saving::WeightsStore::Entry& store) override {
    load_in_order(this->own_variables(), serialized_variables(), store,
                  [this](const saving::WeightsStore::Entry& e) { this->Layer::load_own_variables(e); });
  }
  boost::json::object get_config() const override {
    boost::json::object config = FieldsLayer<Derived, OptionsT>::get_config();
    write_dtype(config);
    return config;
  }

 protected:
  // Keras's quantized_build, then the bias: the kernel (`kernel_spec`, of the mode's dtype
  // and packed shape) and the mode's `others`, created before the kernel for float8
  // (`others_first`), after it otherwise.
  void add_quantized_kernel_bias(VariableSpec kernel_spec, const std::vector<VariableSpec>& others, bool others_first,
                                 const std::optional<Shape>& bias_shape) {
    if (others_first) add_quantization_variables(others);
    kernel_ = this->add_weight(std::move(kernel_spec));
    if (!others_first) add_quantization_variables(others);
    add_bias(bias_shape);
  }

  void add_kernel_bias(const Shape& kernel_shape, const std::optional<Shape>& bias_shape) {
    const KernelBiasOptions& o = this->options_;
    kernel_ = this->add_weight(
        {"kernel", kernel_shape, o.kernel_initializer, o.kernel_regularizer, o.kernel_constraint, true});
    add_bias(bias_shape);
  }

  VariablePtr kernel_, bias_;
  std::vector<VariablePtr> quantization_variables_;

 private:
  void add_bias(const std::optional<Shape>& bias_shape) {
    const KernelBiasOptions& o = this->options_;
    if (bias_shape) {
      bias_ = this->add_weight({"bias", *bias_shape, o.bias_initializer, o.bias_regularizer, o.bias_constraint, true});
    }
  }
  void add_quantization_variables(const std::vector<VariableSpec>& specs) {
    for (const auto& spec : specs) quantization_variables_.push_back(this->add_weight(spec));
  }
  std::vector<VariablePtr> serialized_variables() const {
    std::vector<VariablePtr> out{kernel_};
    if (bias_) out.push_back(bias_);
    out.insert(out.end(), quantization_variables_.begin(), quantization_variables_.end());
    return out;
  }
};

// Dense's arguments, with Keras's defaults.
struct DenseOptions : KernelBiasOptions {
  std::int64_t units = 0;
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  bool use_bias = true;
  std::shared_ptr<const QuantizationConfig> quantization_config;
};

// activation(dot(x, kernel) + bias) over the last axis of any rank. Quantized (a
// quantized dtype policy) it holds and runs Keras's int8, int4, ternary or float8 kernel.
class Dense : public KernelBiasLayer<Dense, DenseOptions> {
 public:
  static constexpr std::array<std::string_view, 4> quantization_modes{"int8", "int4", "float8", "ternary"};
  // Dense's own config keys, in Keras's get_config order.
  static const config::Fields<Options>& fields();
  Dense(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  void quantized_build(std::int64_t input_dim);
  Tensor quantized_matmul(const Tensor& x) const;

  // A quantized kernel as the product takes it: unpacked to int8 (quantized inputs) or
  // widened to float32; one layer always takes the same one.
  ops::DerivedTensorCache derived_kernel_;
};

struct EinsumDenseOptions : KernelBiasOptions {
  std::vector<std::optional<std::int64_t>> output_shape;  // excluding batch and "..." axes
  std::string equation;
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  std::optional<std::string> bias_axes;
  std::shared_ptr<Regularizer> activity_regularizer;  // the Layer's, written at Keras's place
  std::shared_ptr<const QuantizationConfig> quantization_config;
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
  static constexpr std::array<std::string_view, 3> quantization_modes{"int8", "int4", "float8"};
  static const config::Fields<Options>& fields();
  EinsumDense(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  Analysis analyze(const PartialShape& input_shape) const;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  void quantized_build(const Analysis& analysis, std::size_t input_rank);
  Tensor quantized_einsum(const Tensor& x) const;
  Shape kernel_shape_;  // the float kernel's (a quantized kernel is stored packed or flattened)
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
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

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
  std::shared_ptr<const QuantizationConfig> quantization_config;
};

// Integer token ids -> rows of an (input_dim, output_dim) table.
class Embedding : public FieldsLayer<Embedding, EmbeddingOptions>, public QuantizedDTypeHolder {
 public:
  static constexpr std::array<std::string_view, 2> quantization_modes{"int8", "int4"};
  static const config::Fields<Options>& fields();
  static std::shared_ptr<Embedding> from_config(const boost::json::object& config, DeserializationContext& context) {
    return quantizable_from_config<Embedding>(config, context);
  }
  boost::json::object get_config() const override {
    boost::json::object config = FieldsLayer::get_config();
    write_dtype(config);
    return config;
  }
  Embedding(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  // Integer ids into a float32 table, without mask_zero.
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;
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
  void quantized_build();
  Tensor quantized_lookup(const Tensor& ids) const;
  VariablePtr embeddings_;
  VariablePtr embeddings_scale_, embeddings_zero_, g_idx_;  // int8 / int4 (zero and g_idx: grouped)
};

struct ReversibleEmbeddingOptions : EmbeddingOptions {
  bool tie_weights = true;                   // false: a separate (output_dim, input_dim) reverse_embeddings
  std::optional<std::string> reverse_dtype;  // none (the compute dtype) or "float32"
  std::optional<Number> logit_soft_cap;      // reverse logits -> c * tanh(logits / c)
};

// Keras's ReversibleEmbedding: an Embedding that, called with `reverse=True`, projects
// (..., output_dim) back to (..., input_dim) logits with the transposed table (tied) or
// its own reverse_embeddings. One layer is usually called both ways in a model.
class ReversibleEmbedding : public FieldsLayer<ReversibleEmbedding, ReversibleEmbeddingOptions> {
 public:
  static const config::Fields<Options>& fields();
  ReversibleEmbedding(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<PartialShape> compute_output_shape_for_call(const std::vector<PartialShape>& input_shapes,
                                                          const boost::json::object& kwargs) const override;
  bool supports_masking() const override { return options_.mask_zero; }
  // `ids != 0` for a lookup with mask_zero; none for a reverse call.
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  const VariablePtr& embeddings() const noexcept { return embeddings_; }
  const VariablePtr& reverse_embeddings() const noexcept { return reverse_embeddings_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr embeddings_, reverse_embeddings_;
};

struct TernaryDenseOptions : KernelBiasOptions {
  std::int64_t units = 0;
  std::optional<Number> threshold;  // none: 0.5 * mean(|kernel|), and the output scaled by mean(|kernel|)
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  bool use_bias = true;
  std::shared_ptr<Regularizer> activity_regularizer;  // the Layer's, written at Keras's place
};

// Keras's TernaryDense (float kernel, BitNet b1.58): activation(beta * x @ ternary(kernel)
// + bias), ternary(k) = sign(k) where |k| > threshold, else 0; beta = mean(|kernel|) when
// threshold is none, else 1.
class TernaryDense : public KernelBiasLayer<TernaryDense, TernaryDenseOptions> {
 public:
  static constexpr std::array<std::string_view, 1> quantization_modes{"ternary"};
  static const config::Fields<Options>& fields();
  TernaryDense(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  // quantize("ternary"): the kernel packed five trits a byte, and a scalar kernel_scale.
  Tensor ternary_kernel(const Tensor& kernel, std::optional<Tensor>& scale) const;

  ops::DerivedTensorCache unpacked_trits_;  // the packed kernel's trits as float32
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
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

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
  // float32 inputs that scale and offset broadcast to without growing them.
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Tensor scale_, offset_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
