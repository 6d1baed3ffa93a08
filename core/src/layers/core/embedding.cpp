#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops.hpp"
#include "kplug/serialization.hpp"
#include "layers/core/embedding_parts.hpp"

namespace kplug::layers {

namespace detail {

namespace {

std::string check_positive(std::string_view key, std::int64_t v) {
  if (v > 0) return {};
  return "`" + std::string(key) + "` must be a positive integer. Received: " + std::string(key) + "=" +
         std::to_string(v);
}

}  // namespace

config::Fields<EmbeddingOptions> embedding_fields(std::string_view class_name) {
  using config::field;
  using Options = EmbeddingOptions;
  return config::Fields<Options>{
             field("input_dim", &Options::input_dim).required().check([](const std::int64_t& v) {
               return check_positive("input_dim", v);
             }),
             field("output_dim", &Options::output_dim).required().check([](const std::int64_t& v) {
               return check_positive("output_dim", v);
             }),
             field("embeddings_initializer", &Options::embeddings_initializer).null_is_default(),
             field("embeddings_regularizer", &Options::embeddings_regularizer),
             activity_regularizer_field(&Options::activity_regularizer),
             field("embeddings_constraint", &Options::embeddings_constraint),
             field("mask_zero", &Options::mask_zero),
             ignored_field<Options>("input_length"),  // deprecated by Keras
         } +
         quantization_fields<Options>(class_name);
}

void check_embedding_dims(const EmbeddingOptions& options) {
  for (auto [key, v] : {std::pair<std::string_view, std::int64_t>{"input_dim", options.input_dim},
                        {"output_dim", options.output_dim}}) {
    if (auto message = check_positive(key, v); !message.empty()) throw ValueError(message);
  }
}

VariableSpec embeddings_spec(const EmbeddingOptions& options) {
  return {"embeddings",
          {options.input_dim, options.output_dim},
          options.embeddings_initializer,
          options.embeddings_regularizer,
          options.embeddings_constraint,
          true};
}

Tensor embedding_lookup(const Tensor& table, const Tensor& ids, const std::string& layer_name,
                        std::string_view class_name) {
  const Tensor int_ids = is_integer(ids.dtype()) ? ids : ops::cast(ids, DType::int32);
  return ops::take(
      table, int_ids,
      "Layer '" + layer_name + "' (" + std::string(class_name) + ", input_dim=" + std::to_string(table.dim(0)) + ")");
}

}  // namespace detail

const config::Fields<Embedding::Options>& Embedding::fields() {
  static const config::Fields<Options> list = detail::embedding_fields(keras_class_name_of());
  return list;
}

Embedding::Embedding(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  detail::check_embedding_dims(options_);
  options_.activity_regularizer = activity_regularizer();
}

void Embedding::build(const std::vector<PartialShape>&) { embeddings_ = add_weight(detail::embeddings_spec(options_)); }

std::vector<PartialShape> Embedding::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape in = single_shape(input_shapes);
  std::vector<Dim> dims = in.dims();
  dims.emplace_back(options_.output_dim);
  return {PartialShape(std::move(dims))};
}

std::vector<Tensor> Embedding::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {detail::embedding_lookup(embeddings_->value(), args.inputs[0], name(), "Embedding")};
}

std::vector<std::optional<Tensor>> Embedding::compute_mask(const CallArgs& args,
                                                           const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> masks(outputs.size());
  if (options_.mask_zero && !outputs.empty()) masks[0] = ops::not_equal(args.input(0), 0.0);
  return masks;
}

}  // namespace kplug::layers
