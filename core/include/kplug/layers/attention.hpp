// keras.layers attention family (keras/src/layers/attention/): MultiHeadAttention (its
// projections are EinsumDense, in core.hpp), Attention (Luong) and AdditiveAttention
// (Bahdanau).
#pragma once

#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/regularizers.hpp"
#include "kplug/seed.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

struct MultiHeadAttentionOptions : KernelBiasOptions {
  std::int64_t num_heads = 0;
  std::int64_t key_dim = 0;
  std::optional<std::int64_t> value_dim;  // none: key_dim
  double dropout = 0.0;                   // inference: no dropout
  bool use_bias = true;
  bool use_gate = false;
  std::optional<std::vector<std::int64_t>> output_shape;
  std::optional<std::vector<std::int64_t>> attention_axes;  // none: all but batch, heads, features
  std::optional<std::int64_t> sliding_window;
  std::shared_ptr<Regularizer> activity_regularizer;  // Keras hands it to the projections
  std::optional<Seed> seed;
};

// Multi-head scaled dot-product attention: call(query, value[, key]) with the Keras
// masks of the inputs, `attention_mask=`, `use_causal_mask=` and
// `return_attention_scores=`. Sublayers query/key/value/attention_output are EinsumDense
// under the attributes query_dense, key_dense, value_dense, output_dense.
class MultiHeadAttention : public FieldsLayer<MultiHeadAttention, MultiHeadAttentionOptions> {
 public:
  static const config::Fields<Options>& fields();
  // A LayerArgs activity regularizer goes to the projections, as Keras's.
  MultiHeadAttention(Options options, LayerArgs args);
  std::optional<boost::json::object> build_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  bool supports_masking() const override { return true; }
  std::int64_t value_dim() const noexcept { return options_.value_dim.value_or(options_.key_dim); }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  // One EinsumDense projection with this layer's initializers, regularizers, constraints.
  std::shared_ptr<EinsumDense> projection(const std::string& equation, const std::string& bias_axes,
                                          std::vector<std::optional<std::int64_t>> output_shape,
                                          const char* name) const;
  std::shared_ptr<EinsumDense> build_input_projection(const PartialShape& shape, std::int64_t heads_dim,
                                                      const char* name);
  void build_attention(std::int64_t projected_rank);  // Keras's _build_attention
  void build_output_projection(const PartialShape& query);
  // Keras's _compute_attention_mask, as 0/1 floats.
  std::optional<Tensor> attention_mask(CallArgs& args, const Tensor& query, const Tensor& value) const;

  std::shared_ptr<EinsumDense> query_dense_, key_dense_, value_dense_, output_dense_;
  std::string dot_product_equation_, combine_equation_;
  std::vector<std::int64_t> norm_axes_;  // of the scores
};

struct GroupQueryAttentionOptions : KernelBiasOptions {
  std::int64_t head_dim = 0;
  std::int64_t num_query_heads = 0;
  std::int64_t num_key_value_heads = 0;  // must divide num_query_heads
  bool use_bias = true;
  bool use_gate = false;  // output projection of attention * sigmoid(gate(query))
  std::optional<std::int64_t> sliding_window;
  double dropout = 0.0;                               // inference: no dropout
  std::shared_ptr<Regularizer> activity_regularizer;  // Keras hands it to the projections
  std::optional<Seed> seed;
};

// Keras's GroupedQueryAttention (class_name "GroupQueryAttention"): call(query, value[,
// key]) as MultiHeadAttention, with num_key_value_heads key/value heads each shared by
// num_query_heads / num_key_value_heads query heads. Sublayers (EinsumDense) query, key,
// value, attention_output and, with use_gate, gate, under the attributes _query_dense,
// _key_dense, _value_dense, _output_dense, _gate_dense.
class GroupQueryAttention : public FieldsLayer<GroupQueryAttention, GroupQueryAttentionOptions> {
 public:
  static const config::Fields<Options>& fields();
  GroupQueryAttention(Options options, LayerArgs args);
  std::optional<boost::json::object> build_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  // With return_attention_scores, also (batch, num_query_heads, query length, key length).
  std::vector<PartialShape> compute_output_shape_for_call(const std::vector<PartialShape>& input_shapes,
                                                          const boost::json::object& kwargs) const override;
  std::vector<LayerAttribute> layer_attributes() const override;
  bool supports_masking() const override { return true; }
  // Keras's Python class: weight files and automatic names say grouped_query_attention.
  std::string saveable_class_name() const override { return "GroupedQueryAttention"; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  // One EinsumDense projection with this layer's initializers, regularizers, constraints,
  // built on `input`.
  std::shared_ptr<EinsumDense> projection(const std::string& equation, const std::string& bias_axes,
                                          std::vector<std::optional<std::int64_t>> output_shape, const char* name,
                                          const PartialShape& input,
                                          std::shared_ptr<Activation> activation = builtin_activation("linear")) const;

  std::shared_ptr<EinsumDense> query_dense_, key_dense_, value_dense_, gate_dense_, output_dense_;
};

// What Attention and AdditiveAttention share (Keras's AdditiveAttention subclasses
// Attention): inputs [query, value] or [query, value, key] and their masks, a softmax over
// the scores of the derived class.
template <class Derived, class OptionsT>
class ScoreAttention : public FieldsLayer<Derived, OptionsT> {
 public:
  ScoreAttention(OptionsT options, LayerArgs args)
      : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {}
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
  // Scores (batch..., Tq, Tv) from query (batch..., Tq, dim) and key (batch..., Tv, dim).
  virtual Tensor scores(const Tensor& query, const Tensor& key) const = 0;
  // Keras's ValueError for an input list of another length than 2 or 3.
  void check_input_count(std::size_t count) const;

  VariablePtr scale_;
};

struct AttentionOptions {
  bool use_scale = false;
  std::string score_mode = "dot";
  double dropout = 0.0;  // inference: no dropout
  std::optional<Seed> seed;
};

// Dot-product (Luong) attention: score_mode "dot" (q . k, times `scale` with use_scale) or
// "concat" (sum(tanh(scale * (q + k)))).
class Attention : public ScoreAttention<Attention, AttentionOptions> {
 public:
  static const config::Fields<Options>& fields();
  Attention(Options options, LayerArgs args);

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  Tensor scores(const Tensor& query, const Tensor& key) const override;

 private:
  VariablePtr concat_score_weight_;
};

struct AdditiveAttentionOptions {
  bool use_scale = true;
  double dropout = 0.0;  // inference: no dropout
  std::optional<Seed> seed;
};

// Additive (Bahdanau) attention: scores sum(scale * tanh(q + k)), `scale` of shape (dim,).
class AdditiveAttention : public ScoreAttention<AdditiveAttention, AdditiveAttentionOptions> {
 public:
  static const config::Fields<Options>& fields();
  using ScoreAttention::ScoreAttention;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  Tensor scores(const Tensor& query, const Tensor& key) const override;
};

extern template class ScoreAttention<Attention, AttentionOptions>;
extern template class ScoreAttention<AdditiveAttention, AdditiveAttentionOptions>;

}  // namespace kplug::layers

#pragma GCC visibility pop
