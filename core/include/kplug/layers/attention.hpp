// keras.layers attention family: EinsumDense (the projection layer MultiHeadAttention
// builds on), MultiHeadAttention, Attention (Luong) and AdditiveAttention (Bahdanau).
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/seed.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// activation(einsum(equation, x, kernel) + bias). The equation is one Keras accepts:
// "ab,bc->ac", "...b,bc->...c" (ellipsis on the left) or "ab...,bc->ac..." (on the right).
class EinsumDense : public Layer {
 public:
  struct Options {
    std::vector<std::optional<std::int64_t>> output_shape;  // excluding batch and "..." axes
    std::string equation;
    std::shared_ptr<Activation> activation;  // null: linear
    std::optional<std::string> bias_axes;
    std::shared_ptr<Initializer> kernel_initializer;  // null: GlorotUniform
    std::shared_ptr<Initializer> bias_initializer;    // null: Zeros
    std::shared_ptr<Regularizer> kernel_regularizer, bias_regularizer;
    std::shared_ptr<Constraint> kernel_constraint, bias_constraint;
  };
  // The weight shapes and full output shape Keras's _analyze_einsum_string derives.
  struct Analysis {
    Shape kernel_shape;
    std::optional<Shape> bias_shape;
    PartialShape output_shape;
  };
  static const config::Fields<Options>& fields();
  EinsumDense(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<EinsumDense> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  Analysis analyze(const PartialShape& input_shape) const;
  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

// Multi-head scaled dot-product attention: call(query, value[, key]) with the Keras
// masks of the inputs, `attention_mask=`, `use_causal_mask=` and
// `return_attention_scores=`. Sublayers query/key/value/attention_output are EinsumDense
// under the attributes query_dense, key_dense, value_dense, output_dense.
class MultiHeadAttention : public Layer {
 public:
  struct Options {
    std::int64_t num_heads = 0;
    std::int64_t key_dim = 0;
    std::optional<std::int64_t> value_dim;  // none: key_dim
    double dropout = 0.0;                   // inference: no dropout
    bool use_bias = true;
    bool use_gate = false;
    std::optional<std::vector<std::int64_t>> output_shape;
    std::optional<std::vector<std::int64_t>> attention_axes;  // none: all but batch, heads, features
    std::optional<std::int64_t> sliding_window;
    std::shared_ptr<Initializer> kernel_initializer;  // null: GlorotUniform
    std::shared_ptr<Initializer> bias_initializer;    // null: Zeros
    std::shared_ptr<Regularizer> kernel_regularizer, bias_regularizer, activity_regularizer;
    std::shared_ptr<Constraint> kernel_constraint, bias_constraint;
    std::optional<Seed> seed;
  };
  static const config::Fields<Options>& fields();
  MultiHeadAttention(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<MultiHeadAttention> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  std::optional<boost::json::object> build_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  bool supports_masking() const override { return true; }
  const Options& options() const noexcept { return options_; }
  std::int64_t value_dim() const noexcept { return options_.value_dim.value_or(options_.key_dim); }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  std::shared_ptr<EinsumDense> query_dense_, key_dense_, value_dense_, output_dense_;
  std::string dot_product_equation_, combine_equation_;
  std::vector<std::int64_t> norm_axes_;  // of the scores
  std::int64_t projected_rank_ = 0;
};

// Dot-product (Luong) attention over [query, value] or [query, value, key]: score_mode
// "dot" (q . k, times `scale` with use_scale) or "concat" (sum(tanh(scale * (q + k)))).
class Attention : public Layer {
 public:
  struct Options {
    bool use_scale = false;
    std::string score_mode = "dot";
    double dropout = 0.0;  // inference: no dropout
    std::optional<Seed> seed;
  };
  static const config::Fields<Options>& fields();
  Attention(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Attention> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  const Options& options() const noexcept { return options_; }

 protected:
  Attention(Options options, LayerArgs args, bool additive);
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
  // Scores (batch..., Tq, Tv) from query (batch..., Tq, dim) and key (batch..., Tv, dim).
  virtual Tensor scores(const Tensor& query, const Tensor& key) const;

  Options options_;
  VariablePtr scale_, concat_score_weight_;
};

// Additive (Bahdanau) attention: scores sum(scale * tanh(q + k)), `scale` of shape (dim,).
class AdditiveAttention : public Attention {
 public:
  static const config::Fields<Options>& fields();
  AdditiveAttention(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<AdditiveAttention> from_config(const boost::json::object& config,
                                                        DeserializationContext& context);

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  Tensor scores(const Tensor& query, const Tensor& key) const override;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
