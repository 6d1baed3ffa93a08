#include "kplug/errors.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/attention.hpp"
#include "kplug/ops/einsum.hpp"
#include "kplug/serialization.hpp"
#include "layers/attention/attention_masks.hpp"

#include <algorithm>
#include <cmath>

namespace kplug::layers {
namespace {

char letter(std::int64_t i) { return static_cast<char>('a' + i); }

struct ProjEquation {
  std::string equation, bias_axes;
  std::int64_t output_rank = 0;
};

// Keras's _build_proj_equation.
ProjEquation build_proj_equation(std::int64_t free_dims, std::int64_t bound_dims, std::int64_t output_dims) {
  std::string input, kernel, output, bias;
  std::int64_t offset = 0;
  for (std::int64_t i = 0; i < free_dims; ++i) {
    input += letter(i + offset);
    output += letter(i + offset);
  }
  offset += free_dims;
  for (std::int64_t i = 0; i < bound_dims; ++i) {
    input += letter(i + offset);
    kernel += letter(i + offset);
  }
  offset += bound_dims;
  for (std::int64_t i = 0; i < output_dims; ++i) {
    kernel += letter(i + offset);
    output += letter(i + offset);
    bias += letter(i + offset);
  }
  return {input + "," + kernel + "->" + output, bias, static_cast<std::int64_t>(output.size())};
}

// Keras's _get_output_shape: unknown leading dims, then the known last ones.
std::vector<std::optional<std::int64_t>> proj_output_shape(std::int64_t output_rank,
                                                           const std::vector<std::int64_t>& known_last) {
  std::vector<std::optional<std::int64_t>> out(
      static_cast<std::size_t>(std::max<std::int64_t>(0, output_rank - static_cast<std::int64_t>(known_last.size()))));
  out.insert(out.end(), known_last.begin(), known_last.end());
  return out;
}

// Keras's _build_attention_equation.
std::pair<std::string, std::string> build_attention_equation(std::int64_t rank, const std::vector<std::int64_t>& axes) {
  std::string target;
  for (std::int64_t i = 0; i < rank; ++i) target += letter(i);
  std::vector<std::int64_t> batch_dims;
  for (std::int64_t i = 0; i < rank; ++i) {
    if (i != rank - 1 && std::find(axes.begin(), axes.end(), i) == axes.end()) batch_dims.push_back(i);
  }
  std::int64_t offset = rank;
  std::string source;
  for (std::int64_t i = 0; i < rank; ++i) {
    const bool kept = i == rank - 1 || std::find(batch_dims.begin(), batch_dims.end(), i) != batch_dims.end();
    source += kept ? target[static_cast<std::size_t>(i)] : letter(offset++);
  }
  std::string product;
  for (std::int64_t i : batch_dims) product += target[static_cast<std::size_t>(i)];
  for (std::int64_t i : axes) product += target[static_cast<std::size_t>(i)];
  for (std::int64_t i : axes) product += source[static_cast<std::size_t>(i)];
  return {source + "," + target + "->" + product, product + "," + source + "->" + target};
}

using Options = MultiHeadAttention::Options;

// An int or a list of ints, held as a tuple (written as a list); null stays null.
config::Field<Options> int_tuple_field(std::string key, std::optional<std::vector<std::int64_t>> Options::*member) {
  return config::custom_field<Options>(
      std::move(key),
      [member](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        if (v.is_null()) {
          o.*member = std::nullopt;
          return;
        }
        o.*member = config::Codec<std::vector<std::int64_t>>::read(r, k, v.is_array() ? v : boost::json::array{v});
      },
      [member](const Options& o) {
        return o.*member ? config::Codec<std::vector<std::int64_t>>::write(*(o.*member)) : boost::json::value(nullptr);
      });
}

// Keras writes the value_dim it holds: key_dim when none was given.
config::Field<Options> value_dim_field() {
  using Codec = config::Codec<std::optional<std::int64_t>>;
  return config::custom_field<Options>(
      "value_dim",
      [](ConfigReader& r, std::string_view k, const boost::json::value& v, Options& o) {
        o.value_dim = Codec::read(r, k, v);
      },
      [](const Options& o) { return boost::json::value(o.value_dim.value_or(o.key_dim)); });
}

void check_positive(std::string_view key, std::int64_t v, std::string_view expected = "a positive integer") {
  if (v > 0) return;
  throw ValueError("Received an invalid value for argument `" + std::string(key) + "`, expected " +
                   std::string(expected) + ". Received: " + std::string(key) + "=" + std::to_string(v));
}

// Without the activity regularizer, which Keras's MultiHeadAttention hands to its projections.
LayerArgs base_layer_args(const LayerArgs& args) { return LayerArgs{args.name, args.trainable, nullptr}; }

std::int64_t rank_of(const PartialShape& s) { return static_cast<std::int64_t>(s.rank()); }

}  // namespace

MultiHeadAttention::MultiHeadAttention(Options options, LayerArgs args)
    : FieldsLayer(std::move(options), base_layer_args(args)) {
  if (!options_.activity_regularizer) options_.activity_regularizer = std::move(args.activity_regularizer);
  check_positive("num_heads", options_.num_heads);
  check_positive("key_dim", options_.key_dim);
  if (options_.value_dim) check_positive("value_dim", *options_.value_dim, "a positive integer or `None`");
  if (options_.output_shape && options_.output_shape->empty()) {
    options_.output_shape.reset();  // Python: `if output_shape`
  }
  if (options_.sliding_window && *options_.sliding_window <= 0) {
    throw ValueError("`sliding_window` must be `None` or a positive integer. Received: sliding_window=" +
                     std::to_string(*options_.sliding_window));
  }
  if (options_.use_gate) throw NotSupportedError("MultiHeadAttention with use_gate=True is not supported");
}

const config::Fields<Options>& MultiHeadAttention::fields() {
  using config::field;
  static const config::Fields<Options> list =
      config::Fields<Options>{
          field("num_heads", &Options::num_heads).required(),
          field("key_dim", &Options::key_dim).required(),
          value_dim_field(),
          field("dropout", &Options::dropout),
          field("use_bias", &Options::use_bias),
          field("use_gate", &Options::use_gate),
          int_tuple_field("output_shape", &Options::output_shape),
          int_tuple_field("attention_axes", &Options::attention_axes),
          field("sliding_window", &Options::sliding_window),
      } +
      kernel_bias_fields<Options>({field("activity_regularizer", &Options::activity_regularizer)}) +
      config::Fields<Options>{field("seed", &Options::seed)};
  return list;
}

std::optional<boost::json::object> MultiHeadAttention::build_config() const {
  const auto& shapes = build_shapes();
  return shapes ? std::optional(detail::shapes_dict_build_config(*shapes)) : std::nullopt;
}

std::shared_ptr<EinsumDense> MultiHeadAttention::projection(const std::string& equation, const std::string& bias_axes,
                                                            std::vector<std::optional<std::int64_t>> output_shape,
                                                            const char* name) const {
  return detail::attention_projection(*this, options_, options_.use_bias, options_.activity_regularizer,
                                      {equation, bias_axes, std::move(output_shape), name});
}

// The query, key or value projection to (batch, ..., heads, heads_dim), built on `shape`.
std::shared_ptr<EinsumDense> MultiHeadAttention::build_input_projection(const PartialShape& shape,
                                                                        std::int64_t heads_dim, const char* name) {
  const ProjEquation eq = build_proj_equation(rank_of(shape) - 1, 1, 2);
  auto dense = projection(eq.equation, eq.bias_axes,
                          proj_output_shape(eq.output_rank - 1, {options_.num_heads, heads_dim}), name);
  dense->maybe_build({shape});
  return dense;
}

void MultiHeadAttention::build_attention(std::int64_t projected_rank) {
  std::vector<std::int64_t> axes;
  if (!options_.attention_axes) {
    for (std::int64_t i = 1; i < projected_rank - 2; ++i) axes.push_back(i);
  } else {
    for (std::int64_t a : *options_.attention_axes) {
      const std::int64_t axis = a >= 0 ? a : (projected_rank - 1) + a;
      if (axis <= 0 || axis >= projected_rank - 2) {
        fail("got attention_axes " +
             PartialShape(std::vector<Dim>(options_.attention_axes->begin(), options_.attention_axes->end()))
                 .to_string() +
             ": each axis must be a non-batch, non-feature axis of the inputs (1 to " +
             std::to_string(projected_rank - 3) + " for inputs of rank " + std::to_string(projected_rank - 1) + ")");
      }
      axes.push_back(axis);
    }
  }
  options_.attention_axes = axes;  // Keras stores the resolved tuple (and writes it)
  std::tie(dot_product_equation_, combine_equation_) = build_attention_equation(projected_rank, axes);
  const auto scores_rank =
      static_cast<std::int64_t>(dot_product_equation_.size() - dot_product_equation_.find('>') - 1);
  norm_axes_.clear();
  for (auto i = scores_rank - static_cast<std::int64_t>(axes.size()); i < scores_rank; ++i) norm_axes_.push_back(i);
}

// Keras's _make_output_dense: back to the query's features (or `output_shape`).
void MultiHeadAttention::build_output_projection(const PartialShape& query) {
  std::vector<std::int64_t> out_shape;
  if (options_.output_shape) {
    out_shape = *options_.output_shape;
  } else {
    if (!query[query.rank() - 1]) fail("needs a known last query dimension to build, got " + query.to_string());
    out_shape = {*query[query.rank() - 1]};
  }
  const ProjEquation eq = build_proj_equation(rank_of(query) - 1, 2, static_cast<std::int64_t>(out_shape.size()));
  output_dense_ =
      projection(eq.equation, eq.bias_axes, proj_output_shape(eq.output_rank - 1, out_shape), "attention_output");
  PartialShape output_dense_input = query_dense_->compute_output_shape({query})[0];
  output_dense_input[output_dense_input.rank() - 1] = value_dim();
  output_dense_->maybe_build({output_dense_input});
}

void MultiHeadAttention::build(const std::vector<PartialShape>& input_shapes) {
  if (input_shapes.size() < 2 || input_shapes.size() > 3) {
    fail("expects the shapes of query, value and optionally key, got " + std::to_string(input_shapes.size()) +
         " shape(s)");
  }
  const PartialShape& query = input_shapes[0];
  const PartialShape& value = input_shapes[1];
  const PartialShape& key = input_shapes.size() > 2 ? input_shapes[2] : value;
  const auto middle = [](const PartialShape& s) {
    return s.rank() < 2 ? std::vector<Dim>{} : std::vector<Dim>(s.dims().begin() + 1, s.dims().end() - 1);
  };
  if (query.rank() < 3 || value.rank() < 3 || key.rank() < 3) {
    fail("needs query, value and key of rank >= 3 (batch, ..., features), got " + query.to_string() + ", " +
         value.to_string() + " and " + key.to_string());
  }
  if (middle(value) != middle(key)) {
    throw ValueError("All dimensions of `value` and `key`, except the last one, must be equal. Received: value_shape=" +
                     value.to_string() + " and key_shape=" + key.to_string());
  }
  query_dense_ = build_input_projection(query, options_.key_dim, "query");
  key_dense_ = build_input_projection(key, options_.key_dim, "key");
  value_dense_ = build_input_projection(value, value_dim(), "value");
  build_attention(rank_of(value) + 1);  // the projected rank: heads added
  build_output_projection(query);
}

std::vector<LayerAttribute> MultiHeadAttention::layer_attributes() const {
  if (!query_dense_) return {};
  return {LayerAttribute{"query_dense", {query_dense_}}, LayerAttribute{"key_dense", {key_dense_}},
          LayerAttribute{"value_dense", {value_dense_}}, LayerAttribute{"output_dense", {output_dense_}}};
}

std::vector<PartialShape> MultiHeadAttention::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  if (input_shapes.size() < 2 || input_shapes.size() > 3) {
    fail("expects the shapes of query, value and optionally key, got " + std::to_string(input_shapes.size()));
  }
  const PartialShape& query = input_shapes[0];
  if (query.rank() == 0) fail("needs a query of rank >= 1");
  if (!options_.output_shape) return {query};
  std::vector<Dim> dims(query.dims().begin(), query.dims().end() - 1);
  dims.insert(dims.end(), options_.output_shape->begin(), options_.output_shape->end());
  return {PartialShape(std::move(dims))};
}

std::optional<Tensor> MultiHeadAttention::attention_mask(CallArgs& args, const Tensor& query,
                                                         const Tensor& value) const {
  return detail::keras_attention_mask(*this, args, query, value, options_.sliding_window);
}

std::vector<Tensor> MultiHeadAttention::call(CallArgs& args) {
  const auto [query, value, key] = detail::attention_inputs(*this, args);
  const bool return_scores = args.bool_kwarg("return_attention_scores", false);
  std::optional<Tensor> mask = attention_mask(args, query, value);

  Tensor q = (*query_dense_)(query);
  const Tensor k = (*key_dense_)(key);
  const Tensor v = (*value_dense_)(value);
  q = ops::multiply(q, static_cast<float>(1.0 / std::sqrt(static_cast<double>(options_.key_dim))));
  Tensor scores = ops::einsum(dot_product_equation_, k, q);
  if (mask) {
    const auto expansion_axis = -2 * static_cast<std::int64_t>(norm_axes_.size()) - 1;
    while (mask->rank() < scores.rank()) mask = mask->expand_dims(expansion_axis);
  }
  // Keras computes rank-4 attention through ops.dot_product_attention (masked logits,
  // no zeroing) unless dropout is set or scores are returned; else its Softmax layer,
  // which zeroes masked positions.
  const bool zero_masked = options_.dropout > 0.0 || return_scores || q.rank() != 4;
  scores = ops::masked_softmax(scores, mask ? &*mask : nullptr, ops::Axes(norm_axes_), zero_masked);
  Tensor output = (*output_dense_)(ops::einsum(combine_equation_, scores, v));
  if (return_scores) return {std::move(output), std::move(scores)};
  return {std::move(output)};
}

}  // namespace kplug::layers
