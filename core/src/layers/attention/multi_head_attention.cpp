#include "kplug/errors.hpp"
#include "kplug/layers/attention.hpp"
#include "kplug/ops.hpp"
#include "kplug/ops/attention.hpp"
#include "kplug/ops/einsum.hpp"
#include "kplug/serialization.hpp"
#include "layers/attention/attention_masks.hpp"
#include "layers/fields_layer.hpp"

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

}  // namespace

MultiHeadAttention::MultiHeadAttention(Options options, LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  if (options_.num_heads <= 0) {
    throw ValueError(
        "Received an invalid value for argument `num_heads`, expected a positive integer. Received: num_heads=" +
        std::to_string(options_.num_heads));
  }
  if (options_.key_dim <= 0) {
    throw ValueError(
        "Received an invalid value for argument `key_dim`, expected a positive integer. Received: key_dim=" +
        std::to_string(options_.key_dim));
  }
  if (options_.value_dim && *options_.value_dim <= 0) {
    throw ValueError(
        "Received an invalid value for argument `value_dim`, expected a positive integer or `None`. Received: "
        "value_dim=" +
        std::to_string(*options_.value_dim));
  }
  if (options_.output_shape && options_.output_shape->empty())
    options_.output_shape.reset();  // Python: `if output_shape`
  if (options_.sliding_window && *options_.sliding_window <= 0) {
    throw ValueError("`sliding_window` must be `None` or a positive integer. Received: sliding_window=" +
                     std::to_string(*options_.sliding_window));
  }
  if (options_.use_gate) throw NotSupportedError("MultiHeadAttention with use_gate=True is not supported");
  if (!options_.kernel_initializer) options_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

const config::Fields<Options>& MultiHeadAttention::fields() {
  using config::field;
  static const config::Fields<Options> list{
      field("num_heads", &Options::num_heads).required(),
      field("key_dim", &Options::key_dim).required(),
      field("value_dim", &Options::value_dim),
      field("dropout", &Options::dropout, 0.0),
      field("use_bias", &Options::use_bias, true),
      field("use_gate", &Options::use_gate, false),
      int_tuple_field("output_shape", &Options::output_shape),
      int_tuple_field("attention_axes", &Options::attention_axes),
      field("sliding_window", &Options::sliding_window),
      field("kernel_initializer", &Options::kernel_initializer),
      field("bias_initializer", &Options::bias_initializer),
      field("kernel_regularizer", &Options::kernel_regularizer),
      field("bias_regularizer", &Options::bias_regularizer),
      field("activity_regularizer", &Options::activity_regularizer),
      field("kernel_constraint", &Options::kernel_constraint),
      field("bias_constraint", &Options::bias_constraint),
      field("seed", &Options::seed),
  };
  return list;
}

boost::json::object MultiHeadAttention::get_config() const {
  boost::json::object config = detail::write_fields_layer(*this, options_);
  // Keras writes the value_dim it holds (key_dim when none was given).
  config["value_dim"] = value_dim();
  return config;
}

std::shared_ptr<MultiHeadAttention> MultiHeadAttention::from_config(const boost::json::object& config,
                                                                    DeserializationContext& context) {
  ConfigReader reader(config, context, "MultiHeadAttention");
  LayerArgs args = LayerArgs::read(reader);
  Options options;
  fields().read_into(reader, options);
  reader.finish();
  // Keras hands activity_regularizer to the projections, not to its base Layer.
  if (args.activity_regularizer) options.activity_regularizer = std::move(args.activity_regularizer);
  args.activity_regularizer = nullptr;
  return std::make_shared<MultiHeadAttention>(std::move(options), std::move(args));
}

std::optional<boost::json::object> MultiHeadAttention::build_config() const {
  const auto& shapes = build_shapes();
  if (!shapes) return std::nullopt;
  boost::json::object dict;
  static const char* const names[] = {"query_shape", "value_shape", "key_shape"};
  for (std::size_t i = 0; i < shapes->size() && i < 3; ++i) dict[names[i]] = (*shapes)[i].to_json();
  boost::json::object config;
  config["shapes_dict"] = std::move(dict);
  return config;
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
  const auto sublayer = [&](const ProjEquation& eq, std::vector<std::optional<std::int64_t>> output_shape,
                            const char* name) {
    EinsumDense::Options o;
    o.equation = eq.equation;
    o.output_shape = std::move(output_shape);
    if (options_.use_bias) o.bias_axes = eq.bias_axes;
    o.kernel_initializer = options_.kernel_initializer;
    o.bias_initializer = options_.bias_initializer;
    o.kernel_regularizer = options_.kernel_regularizer;
    o.bias_regularizer = options_.bias_regularizer;
    o.kernel_constraint = options_.kernel_constraint;
    o.bias_constraint = options_.bias_constraint;
    LayerArgs args;
    args.name = name;
    args.trainable = trainable();
    args.activity_regularizer = options_.activity_regularizer;
    return std::make_shared<EinsumDense>(std::move(o), std::move(args));
  };
  const auto rank = [](const PartialShape& s) { return static_cast<std::int64_t>(s.rank()); };

  ProjEquation eq = build_proj_equation(rank(query) - 1, 1, 2);
  query_dense_ = sublayer(eq, proj_output_shape(eq.output_rank - 1, {options_.num_heads, options_.key_dim}), "query");
  query_dense_->maybe_build({query});
  eq = build_proj_equation(rank(key) - 1, 1, 2);
  key_dense_ = sublayer(eq, proj_output_shape(eq.output_rank - 1, {options_.num_heads, options_.key_dim}), "key");
  key_dense_->maybe_build({key});
  eq = build_proj_equation(rank(value) - 1, 1, 2);
  value_dense_ = sublayer(eq, proj_output_shape(eq.output_rank - 1, {options_.num_heads, value_dim()}), "value");
  value_dense_->maybe_build({value});

  // _build_attention(output_rank): the projected rank.
  projected_rank_ = eq.output_rank;
  std::vector<std::int64_t> axes;
  if (!options_.attention_axes) {
    for (std::int64_t i = 1; i < projected_rank_ - 2; ++i) axes.push_back(i);
  } else {
    for (std::int64_t a : *options_.attention_axes) {
      const std::int64_t axis = a >= 0 ? a : (projected_rank_ - 1) + a;
      if (axis <= 0 || axis >= projected_rank_ - 2) {
        fail("got attention_axes " +
             PartialShape(std::vector<Dim>(options_.attention_axes->begin(), options_.attention_axes->end()))
                 .to_string() +
             ": each axis must be a non-batch, non-feature axis of the inputs (1 to " +
             std::to_string(projected_rank_ - 3) + " for inputs of rank " + std::to_string(projected_rank_ - 1) + ")");
      }
      axes.push_back(axis);
    }
  }
  options_.attention_axes = axes;  // Keras stores the resolved tuple (and writes it)
  std::tie(dot_product_equation_, combine_equation_) = build_attention_equation(projected_rank_, axes);
  const auto scores_rank =
      static_cast<std::int64_t>(dot_product_equation_.size() - dot_product_equation_.find('>') - 1);
  norm_axes_.clear();
  for (auto i = scores_rank - static_cast<std::int64_t>(axes.size()); i < scores_rank; ++i) norm_axes_.push_back(i);

  // _make_output_dense
  std::vector<std::int64_t> out_shape;
  if (options_.output_shape) {
    out_shape = *options_.output_shape;
  } else {
    if (!query[query.rank() - 1]) fail("needs a known last query dimension to build, got " + query.to_string());
    out_shape = {*query[query.rank() - 1]};
  }
  eq = build_proj_equation(rank(query) - 1, 2, static_cast<std::int64_t>(out_shape.size()));
  output_dense_ = sublayer(eq, proj_output_shape(eq.output_rank - 1, out_shape), "attention_output");
  PartialShape output_dense_input = query_dense_->compute_output_shape({query})[0];
  output_dense_input[output_dense_input.rank() - 1] = value_dim();
  output_dense_->maybe_build({output_dense_input});
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

std::vector<Tensor> MultiHeadAttention::call(CallArgs& args) {
  if (args.inputs.size() < 2 || args.inputs.size() > 3) {
    fail("expects query, value and optionally key, got " + std::to_string(args.inputs.size()) + " input tensor(s)");
  }
  const Tensor& query = args.inputs[0];
  const Tensor& value = args.inputs[1];
  const auto single = [&](std::string_view name) -> const Tensor* {
    const std::vector<Tensor>* t = args.tensor_kwarg(name);
    if (!t) return nullptr;
    if (t->size() != 1) fail("expects one tensor for `" + std::string(name) + "`");
    return &t->front();
  };
  const Tensor* key_kwarg = single("key");
  if (key_kwarg && args.inputs.size() > 2) fail("got `key` both positionally and as a keyword argument");
  const bool has_key = key_kwarg || args.inputs.size() > 2;
  const Tensor& key = key_kwarg ? *key_kwarg : args.inputs.size() > 2 ? args.inputs[2] : value;
  const bool use_causal_mask = args.bool_kwarg("use_causal_mask", false);
  const bool return_scores = args.bool_kwarg("return_attention_scores", false);
  const Tensor* attention_mask = single("attention_mask");
  const Tensor* value_mask = single("value_mask");
  const Tensor* key_mask = single("key_mask");
  single("query_mask");  // Keras reads the query's own mask instead
  if (!value_mask) value_mask = args.mask(1);
  if (!key_mask && has_key && !key_kwarg) key_mask = args.mask(2);
  const Tensor* query_mask = args.mask(0);

  // _compute_attention_mask, as 0/1 floats.
  std::optional<Tensor> mask;
  if (query_mask) mask = detail::mask_as_float(*query_mask).expand_dims(-1);
  if (value_mask) mask = detail::mask_and(mask, detail::mask_as_float(*value_mask).expand_dims(-2));
  if (key_mask) mask = detail::mask_and(mask, detail::mask_as_float(*key_mask).expand_dims(-2));
  if (use_causal_mask) mask = detail::mask_and(mask, ops::causal_mask(query.dim(1), value.dim(1)));
  if (options_.sliding_window) {
    const std::int64_t t = query.dim(1), s = value.dim(1), w = *options_.sliding_window;
    Tensor band({1, t, s});
    for (std::int64_t i = 0; i < t; ++i)
      for (std::int64_t j = std::max<std::int64_t>(0, i - w + 1); j < std::min(s, i + w); ++j) band[i * s + j] = 1.0f;
    mask = detail::mask_and(mask, band);
  }
  if (attention_mask) mask = detail::mask_and(mask, detail::mask_as_float(*attention_mask));

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
