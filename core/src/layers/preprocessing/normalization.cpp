// Normalization at inference: (x - mean) / max(sqrt(variance), epsilon), or its inverse,
// with Keras's statistics layout (kept axes; given values aligned right-to-left).
#include "kplug/errors.hpp"
#include "kplug/initializers.hpp"
#include "kplug/json.hpp"
#include "kplug/layers/preprocessing.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"

#include <algorithm>

namespace kplug::layers {
namespace {

constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()

// A JSON value kept as written: null, a number or nested lists of numbers.
config::Field<NormalizationOptions> statistic_field(std::string key, boost::json::value NormalizationOptions::*m) {
  return config::custom_field<NormalizationOptions>(
      std::move(key),
      [m](ConfigReader&, std::string_view, const boost::json::value& v, NormalizationOptions& o) { o.*m = v; },
      [m](const NormalizationOptions& o) { return o.*m; });
}

// Nested lists of numbers -> a float32 tensor (ValueError naming `what` when ragged or not numeric).
void collect(const boost::json::value& v, std::size_t depth, Shape& shape, std::vector<float>& values,
             const std::string& what) {
  if (const auto* list = v.if_array()) {
    if (depth == shape.size()) shape.push_back(static_cast<std::int64_t>(list->size()));
    if (shape[depth] != static_cast<std::int64_t>(list->size())) {
      throw ValueError(what + ": expected nested lists of equal lengths, got " + json::excerpt(v));
    }
    for (const auto& item : *list) collect(item, depth + 1, shape, values, what);
    return;
  }
  if (!v.is_number() || depth != shape.size()) {
    throw ValueError(what + ": expected a number or nested lists of numbers, got " + json::excerpt(v));
  }
  values.push_back(static_cast<float>(v.to_number<double>()));
}

Tensor tensor_from_json(const boost::json::value& v, const std::string& what) {
  Shape shape;
  std::vector<float> values;
  collect(v, 0, shape, values, what);
  return Tensor(shape, std::move(values));
}

}  // namespace

const config::Fields<NormalizationOptions>& Normalization::fields() {
  using O = NormalizationOptions;
  static const config::Fields<O> f{
      // An int, a list of ints or null (no kept axis); Keras stores a tuple: written as a list.
      config::custom_field<O>(
          "axis",
          [](ConfigReader& r, std::string_view k, const boost::json::value& v, O& o) {
            if (v.is_null()) {
              o.axis.clear();
            } else {
              o.axis = config::Codec<std::vector<std::int64_t>>::read(r, k, v.is_array() ? v : boost::json::array{v});
            }
          },
          [](const O& o) { return config::Codec<std::vector<std::int64_t>>::write(o.axis); }),
      config::field("invert", &O::invert), statistic_field("mean", &O::mean),
      statistic_field("variance", &O::variance)};
  return f;
}

Normalization::Normalization(Options options, LayerArgs args) : FieldsLayer(std::move(options), std::move(args)) {
  if (options_.mean.is_null() != options_.variance.is_null()) {
    throw ValueError("When setting values directly, both `mean` and `variance` must be set. Received: mean=" +
                     json::excerpt(options_.mean) + " and variance=" + json::excerpt(options_.variance));
  }
  if (!options_.mean.is_null()) {
    const Tensor mean = tensor_from_json(options_.mean, "Normalization mean");
    const Tensor variance = tensor_from_json(options_.variance, "Normalization variance");
    if (mean.shape() != variance.shape()) {
      throw ValueError(
          "When setting values directly, `mean` and `variance` must have the same shape. Received: mean shape " +
          shape_repr(mean.shape()) + " and variance shape " + shape_repr(variance.shape()));
    }
    if (mean.rank() > static_cast<std::int64_t>(options_.axis.size())) {
      throw ValueError("The rank of `mean` must be less than or equal to the number of axes (" +
                       std::to_string(options_.axis.size()) + "). Received: mean shape " + shape_repr(mean.shape()));
    }
    given_mean_ = mean;
    given_variance_ = variance;
  }
}

void Normalization::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const auto ndim = static_cast<std::int64_t>(in.rank());
  keep_axes_.clear();
  for (std::int64_t a : options_.axis) {
    if (a < -ndim || a >= ndim) {
      fail("All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim=" + std::to_string(ndim) +
           ", while axis=" + json::excerpt(config::Codec<std::vector<std::int64_t>>::write(options_.axis)));
    }
    keep_axes_.push_back(a < 0 ? a + ndim : a);
  }
  std::sort(keep_axes_.begin(), keep_axes_.end());
  broadcast_shape_ = Shape(static_cast<std::size_t>(ndim), 1);
  Shape stat_shape;
  for (std::int64_t d : keep_axes_) {
    const Dim& dim = in[static_cast<std::size_t>(d)];
    if (!dim) {
      fail("All `axis` values to be kept must have a known shape. Received inputs.shape=" + in.to_string() +
           ", with unknown axis at index " + std::to_string(d));
    }
    broadcast_shape_[static_cast<std::size_t>(d)] = *dim;
    stat_shape.push_back(*dim);
  }
  if (!given_mean_) {
    mean_ = add_weight({"mean", stat_shape, std::make_shared<initializers::Zeros>(), nullptr, nullptr, false});
    variance_ = add_weight({"variance", stat_shape, std::make_shared<initializers::Ones>(), nullptr, nullptr, false});
    count_ = add_weight({"count", Shape{}, nullptr, nullptr, nullptr, false});
    count_->assign(Tensor(Shape{}, DType::int32));  // Keras's dtype="int" counter, kept for old files
    return;
  }
  // Given statistics: a scalar broadcasts; otherwise its axes align with the kept axes from the right.
  Shape expanded(static_cast<std::size_t>(ndim), 1);
  const std::int64_t rank = given_mean_->rank();
  for (std::int64_t i = 1; i <= rank; ++i) {
    const std::int64_t axis = keep_axes_[keep_axes_.size() - static_cast<std::size_t>(i)];
    expanded[static_cast<std::size_t>(axis)] = given_mean_->dim(-i);
  }
  given_mean_ = given_mean_->reshape(expanded);
  given_variance_ = given_variance_->reshape(expanded);
}

std::vector<PartialShape> Normalization::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  return {single_shape(input_shapes)};
}

std::vector<Tensor> Normalization::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor x =
      args.inputs[0].dtype() == DType::float32 ? args.inputs[0] : ops::cast(args.inputs[0], DType::float32);
  if (x.rank() != static_cast<std::int64_t>(broadcast_shape_.size())) {
    fail("was built for inputs of rank " + std::to_string(broadcast_shape_.size()) + ", got shape " +
         shape_repr(x.shape()));
  }
  const Tensor mean = given_mean_ ? *given_mean_ : mean_->value().reshape(broadcast_shape_);
  const Tensor variance = given_variance_ ? *given_variance_ : variance_->value().reshape(broadcast_shape_);
  const Tensor scale = ops::maximum(ops::sqrt(variance), Tensor::scalar(kEpsilon));
  if (options_.invert) return {ops::add(mean, ops::multiply(x, scale))};
  return {ops::divide(ops::subtract(x, mean), scale)};
}

}  // namespace kplug::layers
