#include "kplug/errors.hpp"
#include "kplug/layers/core.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/layers/quantization.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/kernels.hpp"
#include "kplug/ops/quantization.hpp"
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
         quantization_config_fields<Options>(&Options::quantization_config, class_name);
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

void Embedding::build(const std::vector<PartialShape>&) {
  if (quantized_dtype_policy()) return quantized_build();
  embeddings_ = add_weight(detail::embeddings_spec(options_));
}

std::vector<PartialShape> Embedding::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape in = single_shape(input_shapes);
  std::vector<Dim> dims = in.dims();
  dims.emplace_back(options_.output_dim);
  return {PartialShape(std::move(dims))};
}

std::vector<Tensor> Embedding::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& ids = args.inputs[0];
  if (quantized_dtype_policy()) {
    return {quantized_lookup(is_integer(ids.dtype()) ? ids : ops::cast(ids, DType::int32))};
  }
  return {detail::embedding_lookup(embeddings_->value(), ids, name(), "Embedding")};
}

namespace {

// The table's rows of integer ids.
class LookupStep final : public InferenceStep {
 public:
  LookupStep(TensorSpec output, DType ids_dtype, Tensor table, std::string what)
      : InferenceStep({std::move(output)}), ids_dtype_(ids_dtype), table_(std::move(table)), what_(std::move(what)) {}

  void run(std::span<const std::byte* const> inputs, std::span<std::byte* const> outputs,
           std::span<std::byte>) const override {
    const std::int64_t rows = table_.dim(0);
    const std::int64_t n = shape_size(this->outputs()[0].shape) / table_.dim(1);
    ops::kernels::take_rows(table_.bytes(), rows,
                            table_.nbytes() / static_cast<std::size_t>(std::max<std::int64_t>(rows, 1)), inputs[0],
                            ids_dtype_, n, outputs[0], what_);
  }

 private:
  DType ids_dtype_;
  Tensor table_;
  std::string what_;
};

}  // namespace

std::unique_ptr<InferenceStep> Embedding::plan_inference(const std::vector<TensorSpec>& inputs) const {
  // mask_zero makes a mask, which plans do not carry; float ids are cast by call().
  if (quantized_dtype_policy() || options_.mask_zero || inputs.size() != 1 || !is_integer(inputs[0].dtype) ||
      inputs[0].dtype == DType::bool_ || !built())
    return nullptr;
  const Tensor& table = embeddings_->value();
  if (table.rank() != 2 || table.dtype() != DType::float32) return nullptr;
  TensorSpec out{inputs[0].shape, DType::float32};
  out.shape.push_back(table.dim(1));
  return std::make_unique<LookupStep>(
      std::move(out), inputs[0].dtype, table,
      "Layer '" + name() + "' (Embedding, input_dim=" + std::to_string(table.dim(0)) + ")");
}

// Keras's _int8_build and _int4_build (the table packed along output_dim).
void Embedding::quantized_build() {
  const QuantizedDTypePolicy& policy = *quantized_dtype_policy();
  const std::int64_t rows = options_.input_dim, dim = options_.output_dim;
  if (policy.mode == "int8") {
    embeddings_ = add_weight(quantization_variable("embeddings", {rows, dim}, DType::int8));
    embeddings_scale_ = add_weight(quantization_variable("embeddings_scale", {rows}, DType::float32, 1.0));
    return;
  }
  const std::int64_t block = int4_block_size(policy, options_.quantization_config.get());
  const Shape scale_shape = block > 0 ? Shape{rows, (dim + block - 1) / block} : Shape{rows};
  embeddings_ = add_weight(quantization_variable("embeddings", {rows, (dim + 1) / 2}, DType::int8));
  embeddings_scale_ = add_weight(quantization_variable("embeddings_scale", scale_shape, DType::float32, 1.0));
  if (block > 0) {
    embeddings_zero_ = add_weight(quantization_variable("embeddings_zero", scale_shape, DType::int8));
    g_idx_ = add_weight(quantization_variable("g_idx", {dim}));
    g_idx_->assign(group_indices(dim, block));
  }
}

// Keras's _int8_call and _int4_call: the rows, dequantized with their scales (and zeros).
Tensor Embedding::quantized_lookup(const Tensor& ids) const {
  const std::string what = "Layer '" + name() + "' (Embedding, input_dim=" + std::to_string(options_.input_dim) + ")";
  const bool int4 = quantized_dtype_policy()->mode == "int4";
  const Tensor table = int4 ? ops::unpack_int4(embeddings_->value(), options_.output_dim, -1) : embeddings_->value();
  const Tensor rows = ops::take(table, ids, what).astype(DType::float32);
  const Tensor scale = ops::take(embeddings_scale_->value(), ids, what);
  if (embeddings_zero_) {
    return ops::dequantize_grouped(rows, scale, ops::take(embeddings_zero_->value(), ids, what), g_idx_->value(), -1);
  }
  return ops::divide(rows, scale.expand_dims(-1));
}

std::vector<std::optional<Tensor>> Embedding::compute_mask(const CallArgs& args,
                                                           const std::vector<Tensor>& outputs) const {
  std::vector<std::optional<Tensor>> masks(outputs.size());
  if (options_.mask_zero && !outputs.empty()) masks[0] = ops::not_equal(args.input(0), 0.0);
  return masks;
}

}  // namespace kplug::layers
