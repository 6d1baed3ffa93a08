// CategoryEncoding: ops::one_hot, then max (multi_hot) or sum (count) over the ids axis, as
// Keras's encode_categorical_inputs with the numpy backend.
#include "kplug/errors.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/ops/indexing.hpp"
#include "kplug/ops/reduce.hpp"
#include "layers/preprocessing/encode_categorical.hpp"

namespace kplug::layers {

const config::Fields<CategoryEncodingOptions>& CategoryEncoding::fields() {
  using O = CategoryEncodingOptions;
  static const config::Fields<O> f{config::field("num_tokens", &O::num_tokens),
                                   config::field("output_mode", &O::output_mode), config::field("sparse", &O::sparse)};
  return f;
}

CategoryEncoding::CategoryEncoding(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (options_.output_mode == "binary") options_.output_mode = "multi_hot";  // Keras's deprecated name
  const std::string& mode = options_.output_mode;
  if (mode != "count" && mode != "one_hot" && mode != "multi_hot") {
    throw ValueError("Unknown arg for output_mode: " + mode);
  }
  if (!options_.num_tokens) {
    throw ValueError(
        "num_tokens must be set to use this layer. If the number of tokens is not known beforehand, use the "
        "IntegerLookup layer instead.");
  }
  if (*options_.num_tokens < 1) {
    throw ValueError("`num_tokens` must be >= 1. Received: num_tokens=" + std::to_string(*options_.num_tokens) + ".");
  }
  if (options_.sparse) throw NotSupportedError("CategoryEncoding: sparse=True is not supported (dense outputs only)");
}

namespace detail {

PartialShape encoded_shape(const PartialShape& in, std::string_view output_mode, std::int64_t depth) {
  std::vector<Dim> dims = in.dims();
  if (dims.empty()) return PartialShape({depth});
  // one_hot appends the token axis unless the last axis has length 1 (then replaced).
  const bool append = output_mode == "one_hot" && (dims.back() != Dim(1) || dims.size() == 1);
  if (!append) dims.pop_back();
  dims.push_back(depth);
  return PartialShape(std::move(dims));
}

Tensor encode_categorical(Tensor x, std::string_view output_mode, std::int64_t depth, const std::string& what) {
  if (x.rank() == 0) x = x.reshape({1});
  if (output_mode == "one_hot") {
    if (x.rank() > 1 && x.dim(-1) == 1) x = x.squeeze(-1);
    return ops::one_hot(x, depth, what);
  }
  const Tensor encoded = ops::one_hot(x, depth, what);
  const std::int64_t axis = x.rank() > 1 ? 1 : 0;
  return output_mode == "multi_hot" ? ops::max(encoded, axis) : ops::sum(encoded, axis);
}

}  // namespace detail

std::vector<PartialShape> CategoryEncoding::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {detail::encoded_shape(single_shape(input_shapes), options_.output_mode, *options_.num_tokens)};
}

std::vector<Tensor> CategoryEncoding::call(CallArgs& args) {
  expect_inputs(args, 1);
  return {detail::encode_categorical(args.inputs[0], options_.output_mode, *options_.num_tokens,
                                     "Layer '" + name() + "' (CategoryEncoding)")};
}

}  // namespace kplug::layers
