// ReversibleEmbedding (keras/src/layers/core/reversible_embedding.py).
#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/core/embedding_parts.hpp"

namespace kplug::layers {

namespace {

using Options = ReversibleEmbedding::Options;

// The `reverse=` of a call's plain keyword arguments, as CallArgs::bool_kwarg reads it.
bool reverse_of(const boost::json::object& kwargs) {
  const boost::json::value* v = kwargs.if_contains("reverse");
  if (!v || v->is_null()) return false;
  if (!v->is_bool()) throw ValueError("call argument 'reverse' must be a boolean");
  return v->get_bool();
}

}  // namespace

const config::Fields<Options>& ReversibleEmbedding::fields() {
  using config::field;
  static const config::Fields<Options> list = config::Fields<Options>(detail::embedding_fields(keras_class_name_of())) +
                                              config::Fields<Options>{
                                                  field("tie_weights", &Options::tie_weights),
                                                  field("reverse_dtype", &Options::reverse_dtype),
                                                  field("logit_soft_cap", &Options::logit_soft_cap),
                                              };
  return list;
}

ReversibleEmbedding::ReversibleEmbedding(Options options, LayerArgs args)
    : FieldsLayer(std::move(options), std::move(args)) {
  detail::check_embedding_dims(options_);
  options_.activity_regularizer = activity_regularizer();
  if (options_.quantization_config) {
    throw NotSupportedError("ReversibleEmbedding '" + name() + "' with a quantization_config is not supported");
  }
  if (options_.reverse_dtype && *options_.reverse_dtype != "float32") {
    throw NotSupportedError("ReversibleEmbedding with reverse_dtype='" + *options_.reverse_dtype +
                            "' is not supported (float32 only)");
  }
  if (options_.logit_soft_cap && static_cast<double>(*options_.logit_soft_cap) == 0.0) {
    throw ValueError(
        "`logit_soft_cap` must be None or a non-zero number (logits are divided by it). Received: "
        "logit_soft_cap=0");
  }
}

void ReversibleEmbedding::build(const std::vector<PartialShape>&) {
  embeddings_ = add_weight(detail::embeddings_spec(options_));
  if (!options_.tie_weights) {
    reverse_embeddings_ = add_weight({"reverse_embeddings",
                                      {options_.output_dim, options_.input_dim},
                                      options_.embeddings_initializer,
                                      nullptr,
                                      nullptr,
                                      true});
  }
}

std::vector<PartialShape> ReversibleEmbedding::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  return compute_output_shape_for_call(input_shapes, {});
}

std::vector<PartialShape> ReversibleEmbedding::compute_output_shape_for_call(
    const std::vector<PartialShape>& input_shapes, const boost::json::object& kwargs) const {
  std::vector<Dim> dims = single_shape(input_shapes).dims();
  if (!reverse_of(kwargs)) {
    dims.emplace_back(options_.output_dim);
  } else if (dims.empty()) {
    fail("called with reverse=True needs inputs of rank >= 1");
  } else {
    dims.back() = options_.input_dim;
  }
  return {PartialShape(std::move(dims))};
}

std::vector<Tensor> ReversibleEmbedding::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& x = args.inputs[0];
  if (!args.bool_kwarg("reverse", false)) {
    return {detail::embedding_lookup(embeddings_->value(), x, name(), "ReversibleEmbedding")};
  }
  if (x.rank() == 0 || x.shape().back() != options_.output_dim) {
    fail("called with reverse=True expects inputs with last dimension output_dim=" +
         std::to_string(options_.output_dim) + ", got shape " + shape_repr(x.shape()));
  }
  const Tensor rows = ops::cast(x, DType::float32).reshape({-1, options_.output_dim});
  // Tied: x @ embeddings^T (the transpose read in place), else x @ reverse_embeddings.
  Tensor logits = options_.tie_weights ? ops::matmul(rows, embeddings_->value(), false, true)
                                       : ops::matmul(rows, reverse_embeddings_->value());
  if (options_.logit_soft_cap) {
    const float cap = to_float32(static_cast<double>(*options_.logit_soft_cap));
    logits = ops::multiply(ops::tanh(ops::divide(logits, Tensor::scalar(cap))), cap);
  }
  Shape out_shape = x.shape();
  out_shape.back() = options_.input_dim;
  return {logits.reshape(std::move(out_shape))};
}

std::vector<std::optional<Tensor>> ReversibleEmbedding::compute_mask(const CallArgs& args,
                                                                     const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> masks(outputs.size());
  if (options_.mask_zero && !outputs.empty() && !args.bool_kwarg("reverse", false)) {
    masks[0] = ops::not_equal(args.input(0), 0.0);
  }
  return masks;
}

}  // namespace kplug::layers
