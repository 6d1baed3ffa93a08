// GroupQueryAttention (keras/src/layers/attention/grouped_query_attention.py).
#include "kplug/errors.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/attention.hpp"
#include "kplug/ops/einsum.hpp"
#include "kplug/serialization.hpp"
#include "layers/attention/attention_masks.hpp"

#include <cmath>

namespace kplug::layers {
namespace {

using Options = GroupQueryAttention::Options;

void check_positive(std::string_view key, std::int64_t v) {
  if (v > 0) return;
  throw ValueError("Received an invalid value for argument `" + std::string(key) +
                   "`, expected a positive integer. Received: " + std::string(key) + "=" + std::to_string(v));
}

// (batch, length, heads, head_dim) projections: Keras's einsum letters.
constexpr const char* kQueryEquation = "bqm,muh->bquh";
constexpr const char* kKeyValueEquation = "bkm,mvh->bkvh";
constexpr const char* kOutputEquation = "bquh,uhm->bqm";
constexpr const char* kDotProductEquation = "bquh,bkuh->buqk";
constexpr const char* kCombineEquation = "buqk,bkuh->bquh";

}  // namespace

GroupQueryAttention::GroupQueryAttention(Options options, LayerArgs args)
    // Keras hands the activity regularizer to the projections, not to this layer.
    : FieldsLayer(std::move(options), LayerArgs{args.name, args.trainable, nullptr}) {
  if (!options_.activity_regularizer) options_.activity_regularizer = std::move(args.activity_regularizer);
  check_positive("head_dim", options_.head_dim);
  check_positive("num_query_heads", options_.num_query_heads);
  check_positive("num_key_value_heads", options_.num_key_value_heads);
  if (options_.num_query_heads % options_.num_key_value_heads != 0) {
    throw ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. Received: num_query_heads=" +
                     std::to_string(options_.num_query_heads) +
                     ", num_key_value_heads=" + std::to_string(options_.num_key_value_heads));
  }
  if (options_.sliding_window && *options_.sliding_window <= 0) {
    throw ValueError("`sliding_window` must be `None` or a positive integer. Received: sliding_window=" +
                     std::to_string(*options_.sliding_window));
  }
}

const config::Fields<Options>& GroupQueryAttention::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("head_dim", &Options::head_dim).required(),
          field("num_query_heads", &Options::num_query_heads).required(),
          field("num_key_value_heads", &Options::num_key_value_heads).required(),
          field("use_bias", &Options::use_bias),
          field("use_gate", &Options::use_gate),
          field("sliding_window", &Options::sliding_window),
          field("dropout", &Options::dropout),
      } +
      kernel_bias_fields<Options>({field("activity_regularizer", &Options::activity_regularizer)}) +
      config::Fields<Options>{field("seed", &Options::seed)};
  return list;
}

std::optional<boost::json::object> GroupQueryAttention::build_config() const {
  const auto& shapes = build_shapes();
  return shapes ? std::optional(detail::shapes_dict_build_config(*shapes)) : std::nullopt;
}

std::shared_ptr<EinsumDense> GroupQueryAttention::projection(const std::string& equation, const std::string& bias_axes,
                                                             std::vector<std::optional<std::int64_t>> output_shape,
                                                             const char* name, const PartialShape& input,
                                                             std::shared_ptr<Activation> activation) const {
  auto dense =
      detail::attention_projection(*this, options_, options_.use_bias, options_.activity_regularizer,
                                   {equation, bias_axes, std::move(output_shape), name, std::move(activation)});
  dense->maybe_build({input});
  return dense;
}

namespace {

// query, value and key shapes of rank 3, value and key of the same length.
void check_shapes(const Layer& layer, const std::vector<PartialShape>& shapes) {
  if (shapes.size() < 2 || shapes.size() > 3) {
    throw ValueError("Layer '" + layer.name() + "' expects the shapes of query, value and optionally key, got " +
                     std::to_string(shapes.size()) + " shape(s)");
  }
  for (const PartialShape& s : shapes) {
    if (s.rank() != 3 || !s[2]) {
      throw ValueError("Layer '" + layer.name() +
                       "' needs query, value and key of shape (batch, length, features) with known features, got " +
                       s.to_string());
    }
  }
  const PartialShape& query = shapes[0];
  const PartialShape& value = shapes[1];
  const PartialShape& key = shapes.size() > 2 ? shapes[2] : value;
  if (*query[2] != *value[2]) {
    throw ValueError("The last dimension of `query_shape` and `value_shape` must be equal, but are " +
                     std::to_string(*query[2]) + ", " + std::to_string(*value[2]) +
                     ". Received: query_shape=" + query.to_string() + ", value_shape=" + value.to_string());
  }
  if (value[1] != key[1]) {
    throw ValueError("All dimensions of `value` and `key`, except the last one, must be equal. Received: value_shape=" +
                     value.to_string() + " and key_shape=" + key.to_string());
  }
}

}  // namespace

void GroupQueryAttention::build(const std::vector<PartialShape>& input_shapes) {
  check_shapes(*this, input_shapes);
  const PartialShape& query = input_shapes[0];
  const PartialShape& value = input_shapes[1];
  const PartialShape& key = input_shapes.size() > 2 ? input_shapes[2] : value;
  const std::int64_t heads = options_.num_query_heads, kv_heads = options_.num_key_value_heads;
  query_dense_ = projection(kQueryEquation, "uh", {std::nullopt, heads, options_.head_dim}, "query", query);
  key_dense_ = projection(kKeyValueEquation, "vh", {std::nullopt, kv_heads, options_.head_dim}, "key", key);
  if (options_.use_gate) {
    gate_dense_ = projection(kQueryEquation, "uh", {std::nullopt, heads, options_.head_dim}, "gate", query,
                             builtin_activation("sigmoid"));
  }
  value_dense_ = projection(kKeyValueEquation, "vh", {std::nullopt, kv_heads, options_.head_dim}, "value", value);
  output_dense_ = projection(kOutputEquation, "m", {std::nullopt, *query[2]}, "attention_output",
                             PartialShape({std::nullopt, std::nullopt, heads, options_.head_dim}));
}

std::vector<LayerAttribute> GroupQueryAttention::layer_attributes() const {
  if (!query_dense_) return {};
  std::vector<LayerAttribute> out{LayerAttribute{"_query_dense", {query_dense_}},
                                  LayerAttribute{"_key_dense", {key_dense_}}};
  if (gate_dense_) out.push_back(LayerAttribute{"_gate_dense", {gate_dense_}});
  out.push_back(LayerAttribute{"_value_dense", {value_dense_}});
  out.push_back(LayerAttribute{"_output_dense", {output_dense_}});
  return out;
}

std::vector<PartialShape> GroupQueryAttention::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  check_shapes(*this, input_shapes);
  return {input_shapes[0]};
}

std::vector<PartialShape> GroupQueryAttention::compute_output_shape_for_call(
    const std::vector<PartialShape>& input_shapes, const boost::json::object& kwargs) const {
  std::vector<PartialShape> out = compute_output_shape(input_shapes);
  const boost::json::value* scores = kwargs.if_contains("return_attention_scores");
  if (scores && scores->is_bool() && scores->get_bool()) {
    const PartialShape& query = input_shapes[0];
    const PartialShape& key = input_shapes.size() > 2 ? input_shapes[2] : input_shapes[1];
    out.push_back(PartialShape({query[0], options_.num_query_heads, query[1], key[1]}));
  }
  return out;
}

std::vector<Tensor> GroupQueryAttention::call(CallArgs& args) {
  const auto [query, value, key] = detail::attention_inputs(*this, args);
  const bool return_scores = args.bool_kwarg("return_attention_scores", false);
  std::optional<Tensor> mask = detail::keras_attention_mask(*this, args, query, value, options_.sliding_window);

  const std::int64_t repeats = options_.num_query_heads / options_.num_key_value_heads;
  Tensor q = (*query_dense_)(query);
  const Tensor k = ops::repeat((*key_dense_)(key), repeats, 2);
  const Tensor v = ops::repeat((*value_dense_)(value), repeats, 2);
  q = ops::multiply(q, static_cast<float>(1.0 / std::sqrt(static_cast<double>(options_.head_dim))));
  Tensor scores = ops::einsum(kDotProductEquation, q, k);  // (batch, heads, query length, key length)
  while (mask && mask->rank() < scores.rank()) mask = mask->expand_dims(-3);
  // As MultiHeadAttention: Keras's dot_product_attention (masked logits) unless dropout is
  // set or scores are returned, then its Softmax layer (masked positions zeroed).
  const bool zero_masked = options_.dropout > 0.0 || return_scores;
  scores = ops::masked_softmax(scores, mask ? &*mask : nullptr, ops::Axes(-1), zero_masked);
  Tensor attended = ops::einsum(kCombineEquation, scores, v);
  if (gate_dense_) attended = ops::multiply(attended, (*gate_dense_)(query));
  Tensor output = (*output_dense_)(attended);
  if (return_scores) return {std::move(output), std::move(scores)};
  return {std::move(output)};
}

}  // namespace kplug::layers
