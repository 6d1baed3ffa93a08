// Keras's BaseSeparableConv (SeparableConv1D, SeparableConv2D): config, depthwise kernel
// (k..., in_channels, depth_multiplier), pointwise kernel (1..., in * depth_multiplier,
// filters), forward pass through ops::separable_conv.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "layers/convolutional/conv_common.hpp"

#include <utility>

namespace kplug::layers {
namespace {

template <std::size_t Rank>
const config::Fields<SeparableConvOptions<Rank>>& head_fields() {
  using O = SeparableConvOptions<Rank>;
  static const config::Fields<O> f{
      config::field("depth_multiplier", &O::depth_multiplier),
      config::field("filters", &O::filters).required(),
      config::field("kernel_size", &O::kernel_size).check(detail::tuple_check<Rank>("kernel_size")).required(),
      config::field("strides", &O::strides).check(detail::tuple_check<Rank>("strides")),
      config::field("padding", &O::padding).check(detail::padding_check(false)),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check()),
      config::field("dilation_rate", &O::dilation_rate).check(detail::tuple_check<Rank>("dilation_rate")),
      activation_field("activation", &O::activation),
      config::field("use_bias", &O::use_bias),
      config::field("depthwise_initializer", &O::depthwise_initializer),
      config::field("pointwise_initializer", &O::pointwise_initializer),
      config::field("bias_initializer", &O::bias_initializer),
      config::field("depthwise_regularizer", &O::depthwise_regularizer),
      config::field("pointwise_regularizer", &O::pointwise_regularizer),
      config::field("bias_regularizer", &O::bias_regularizer)};
  return f;
}
template <std::size_t Rank>
const config::Fields<SeparableConvOptions<Rank>>& tail_fields() {
  using O = SeparableConvOptions<Rank>;
  static const config::Fields<O> f{config::field("depthwise_constraint", &O::depthwise_constraint),
                                   config::field("pointwise_constraint", &O::pointwise_constraint),
                                   config::field("bias_constraint", &O::bias_constraint)};
  return f;
}

// Keras's __init__ checks: the first problem and the key it concerns.
template <std::size_t Rank>
std::pair<std::string, std::string> options_error(const SeparableConvOptions<Rank>& o) {
  if (o.depth_multiplier <= 0) {
    return {"depth_multiplier",
            "Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received "
            "depth_multiplier=" +
                std::to_string(o.depth_multiplier) + "."};
  }
  if (o.filters <= 0) {
    return {"filters", "Invalid value for argument `filters`. Expected a strictly positive value. Received filters=" +
                           std::to_string(o.filters) + "."};
  }
  for (const auto& [key, t] : {std::pair<const char*, const config::IntTuple<Rank>*>{"kernel_size", &o.kernel_size},
                               {"strides", &o.strides},
                               {"dilation_rate", &o.dilation_rate}}) {
    if (std::string e = detail::tuple_error(*t, key); !e.empty()) return {key, e};
  }
  if (std::string e = detail::padding_error(o.padding, false); !e.empty()) return {"padding", e};
  if (std::string e = detail::data_format_error(o.data_format); !e.empty()) return {"data_format", e};
  return {};
}

}  // namespace

template <std::size_t Rank>
BaseSeparableConv<Rank>::BaseSeparableConv(Options options, LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  if (auto [key, message] = options_error(options_); !message.empty()) throw ValueError(message);
  options_.padding = detail::lower(options_.padding);
  options_.data_format = detail::lower(options_.data_format);
  if (!options_.activation) options_.activation = builtin_activation("linear");
  if (!options_.depthwise_initializer) {
    options_.depthwise_initializer = std::make_shared<initializers::GlorotUniform>();
  }
  if (!options_.pointwise_initializer) {
    options_.pointwise_initializer = std::make_shared<initializers::GlorotUniform>();
  }
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

template <std::size_t Rank>
boost::json::object BaseSeparableConv<Rank>::get_config() const {
  return detail::conv_family_config(base_config(), activity_regularizer(), head_fields<Rank>(), tail_fields<Rank>(),
                                    options_);
}

template <std::size_t Rank>
std::pair<SeparableConvOptions<Rank>, LayerArgs> BaseSeparableConv<Rank>::read_config(const boost::json::object& config,
                                                                                      DeserializationContext& context,
                                                                                      const std::string& class_name) {
  return detail::read_conv_family_config(config, context, class_name, head_fields<Rank>(), tail_fields<Rank>(),
                                         [](const Options& o) { return options_error(o); });
}

template <std::size_t Rank>
void BaseSeparableConv<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const std::int64_t channels =
      detail::conv_input_channels<Rank>(in, options_.data_format, [this](const std::string& m) { fail(m); });
  compute_output_shape(input_shapes);  // as Keras: a too-small input fails at build
  Shape depthwise_shape(options_.kernel_size.values.begin(), options_.kernel_size.values.end());
  depthwise_shape.push_back(channels);
  depthwise_shape.push_back(options_.depth_multiplier);
  Shape pointwise_shape(Rank, 1);
  pointwise_shape.push_back(options_.depth_multiplier * channels);
  pointwise_shape.push_back(options_.filters);
  depthwise_kernel_ = add_weight({"depthwise_kernel", std::move(depthwise_shape), options_.depthwise_initializer,
                                  options_.depthwise_regularizer, options_.depthwise_constraint, true});
  pointwise_kernel_ = add_weight({"pointwise_kernel", std::move(pointwise_shape), options_.pointwise_initializer,
                                  options_.pointwise_regularizer, options_.pointwise_constraint, true});
  if (options_.use_bias) {
    bias_ = add_weight({"bias",
                        {options_.filters},
                        options_.bias_initializer,
                        options_.bias_regularizer,
                        options_.bias_constraint,
                        true});
  }
}

template <std::size_t Rank>
std::vector<PartialShape> BaseSeparableConv<Rank>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  const PartialShape& in = single_shape(input_shapes);
  if (in.rank() != Rank + 2)
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + in.to_string());
  const bool channels_first = options_.data_format == "channels_first";
  std::string error;
  PartialShape out = detail::conv_output_shape(in, options_.filters, options_.kernel_size, options_.strides,
                                               options_.dilation_rate, options_.padding, channels_first, error);
  if (!error.empty()) fail(error);
  return {out};
}

template <std::size_t Rank>
std::vector<Tensor> BaseSeparableConv<Rank>::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  const bool channels_first = options_.data_format == "channels_first";
  const Tensor x = detail::to_channels_last(input, channels_first);
  const Tensor& kernel = depthwise_kernel_->value();
  if (x.shape().back() != kernel.shape()[Rank]) {
    fail("expects inputs with " + std::to_string(kernel.shape()[Rank]) + " channels, got shape " +
         shape_repr(input.shape()));
  }
  ops::ConvNdOptions o;
  o.strides = detail::to_vector(options_.strides);
  o.dilation = detail::to_vector(options_.dilation_rate);
  o.padding = detail::to_padding(options_.padding);
  return {detail::finish_conv(ops::separable_conv(x, kernel, pointwise_kernel_->value(), o), bias_, channels_first,
                              *options_.activation)};
}

template class BaseSeparableConv<1>;
template class BaseSeparableConv<2>;

SeparableConv1D::SeparableConv1D(Options options, LayerArgs args)
    : BaseSeparableConv<1>(std::move(options), std::move(args)) {}

std::shared_ptr<SeparableConv1D> SeparableConv1D::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "SeparableConv1D");
  return std::make_shared<SeparableConv1D>(std::move(options), std::move(args));
}

SeparableConv2D::SeparableConv2D(Options options, LayerArgs args)
    : BaseSeparableConv<2>(std::move(options), std::move(args)) {}

std::shared_ptr<SeparableConv2D> SeparableConv2D::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "SeparableConv2D");
  return std::make_shared<SeparableConv2D>(std::move(options), std::move(args));
}

}  // namespace kplug::layers
