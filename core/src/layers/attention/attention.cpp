// Attention and AdditiveAttention (keras/src/layers/attention/attention.py,
// additive_attention.py).
#include "kplug/layers/attention.hpp"
#include "kplug/errors.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/attention.hpp"
#include "layers/attention/attention_masks.hpp"

namespace kplug::layers {
namespace {

std::string shapes_repr(const std::vector<PartialShape>& shapes) {
  std::string s = "[";
  for (std::size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].to_string();
  return s + "]";
}

// dropout and seed, after each layer's own keys.
template <class Options>
config::Fields<Options> dropout_and_seed_fields() {
  return config::Fields<Options>{config::field("dropout", &Options::dropout), config::field("seed", &Options::seed)};
}

}  // namespace

// ---- ScoreAttention ----

template <class Derived, class OptionsT>
void ScoreAttention<Derived, OptionsT>::check_input_count(std::size_t count) const {
  if (count < 2 || count > 3) {
    throw ValueError(this->class_name() +
                     " layer accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key]. "
                     "Received length: " +
                     std::to_string(count) + ".");
  }
}

template <class Derived, class OptionsT>
std::vector<PartialShape> ScoreAttention<Derived, OptionsT>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.size() < 2 || input_shapes.size() > 3 || input_shapes[0].rank() == 0 ||
      input_shapes[1].rank() == 0) {
    this->fail("expects the shapes of [query, value] or [query, value, key], got " + shapes_repr(input_shapes));
  }
  std::vector<Dim> dims(input_shapes[0].dims().begin(), input_shapes[0].dims().end() - 1);
  dims.push_back(input_shapes[1].dims().back());
  return {PartialShape(std::move(dims))};
}

template <class Derived, class OptionsT>
std::vector<Tensor> ScoreAttention<Derived, OptionsT>::call(CallArgs& args) {
  check_input_count(args.inputs.size());
  const Tensor& q = args.inputs[0];
  const Tensor& v = args.inputs[1];
  const Tensor& k = args.inputs.size() > 2 ? args.inputs[2] : v;
  if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2 || q.dim(-1) != k.dim(-1) || k.dim(-2) != v.dim(-2)) {
    this->fail("expects query (..., Tq, dim), value (..., Tv, dim_v) and key (..., Tv, dim), got " +
               shape_repr(q.shape()) + ", " + shape_repr(v.shape()) + " and " + shape_repr(k.shape()));
  }
  const bool use_causal_mask = args.bool_kwarg("use_causal_mask", false);
  const bool return_scores = args.bool_kwarg("return_attention_scores", false);
  const Tensor* q_mask = args.mask(0);
  const Tensor* v_mask = args.mask(1);

  Tensor s = scores(q, k);
  std::optional<Tensor> keep;
  if (v_mask) keep = detail::mask_as_float(*v_mask).expand_dims(-2);  // [batch, 1, Tv]
  if (use_causal_mask) keep = detail::mask_and(keep, ops::causal_mask(s.dim(-2), s.dim(-1)));
  if (keep) s = ops::where(*keep, s, ops::add(s, -1.0e9f));  // Keras subtracts 1e9 from masked scores
  Tensor weights = ops::softmax(s, -1);
  Tensor output = ops::matmul(weights, v);
  if (q_mask) output = ops::where(detail::mask_as_float(*q_mask).expand_dims(-1), output, Tensor::scalar(0.0f));
  if (return_scores) return {std::move(output), std::move(weights)};
  return {std::move(output)};
}

template class ScoreAttention<Attention, AttentionOptions>;
template class ScoreAttention<AdditiveAttention, AdditiveAttentionOptions>;

// ---- Attention ----

Attention::Attention(Options options, LayerArgs args) : ScoreAttention(std::move(options), std::move(args)) {
  if (options_.score_mode != "dot" && options_.score_mode != "concat") {
    throw ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. Received: score_mode=" +
                     options_.score_mode);
  }
}

const config::Fields<Attention::Options>& Attention::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{field("use_scale", &Options::use_scale), field("score_mode", &Options::score_mode)} +
      dropout_and_seed_fields<Options>();
  return list;
}

void Attention::build(const std::vector<PartialShape>& input_shapes) {
  check_input_count(input_shapes.size());
  if (options_.use_scale) scale_ = add_weight({"scale", {}, std::make_shared<initializers::Ones>(), {}, {}, true});
  if (options_.score_mode == "concat") {
    concat_score_weight_ =
        add_weight({"concat_score_weight", {}, std::make_shared<initializers::Ones>(), {}, {}, true});
  }
}

Tensor Attention::scores(const Tensor& query, const Tensor& key) const {
  if (options_.score_mode == "dot") {
    Tensor s = ops::matmul(query, key, false, true);
    if (scale_) s = ops::multiply(s, scale_->value());
    return s;
  }
  // concat: [.., Tq, 1, dim] + [.., 1, Tv, dim]
  Tensor sum = ops::add(query.expand_dims(-2), key.expand_dims(-3));
  if (scale_) sum = ops::multiply(scale_->value(), sum);
  return ops::multiply(concat_score_weight_->value(), ops::sum(ops::tanh(sum), -1));
}

// ---- AdditiveAttention ----

const config::Fields<AdditiveAttention::Options>& AdditiveAttention::fields() {
  static const config::Fields<Options> list =
      config::Fields<Options>{config::field("use_scale", &Options::use_scale)} + dropout_and_seed_fields<Options>();
  return list;
}

void AdditiveAttention::build(const std::vector<PartialShape>& input_shapes) {
  check_input_count(input_shapes.size());
  if (!options_.use_scale) return;
  const PartialShape& query = input_shapes[0];
  if (query.rank() == 0 || !query[query.rank() - 1]) {
    fail("needs a known last query dimension to build, got " + query.to_string());
  }
  scale_ =
      add_weight({"scale", {*query[query.rank() - 1]}, std::make_shared<initializers::GlorotUniform>(), {}, {}, true});
}

Tensor AdditiveAttention::scores(const Tensor& query, const Tensor& key) const {
  Tensor t = ops::tanh(ops::add(query.expand_dims(-2), key.expand_dims(-3)));
  if (scale_) t = ops::multiply(scale_->value(), t);
  return ops::sum(t, -1);
}

}  // namespace kplug::layers
