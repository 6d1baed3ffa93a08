// Keras's BaseConvTranspose (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose): config,
// kernel (k..., filters, in_channels), forward pass through ops::conv_transpose.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "layers/convolutional/conv_common.hpp"

#include <utility>

namespace kplug::layers {
namespace {

template <std::size_t Rank>
const config::Fields<ConvTransposeOptions<Rank>>& head_fields() {
  using O = ConvTransposeOptions<Rank>;
  static const config::Fields<O> f{
      config::field("filters", &O::filters).required(),
      config::field("kernel_size", &O::kernel_size).check(detail::tuple_check<Rank>("kernel_size")).required(),
      config::field("strides", &O::strides).check(detail::tuple_check<Rank>("strides")),
      config::field("padding", &O::padding).check(detail::padding_check(false)),
      config::field("output_padding", &O::output_padding).check([](const std::optional<config::IntTuple<Rank>>& t) {
        return t ? detail::tuple_error(*t, "output_padding", true) : std::string();
      }),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check()),
      config::field("dilation_rate", &O::dilation_rate).check(detail::tuple_check<Rank>("dilation_rate")),
      activation_field("activation", &O::activation),
      config::field("use_bias", &O::use_bias),
      config::field("kernel_initializer", &O::kernel_initializer),
      config::field("bias_initializer", &O::bias_initializer),
      config::field("kernel_regularizer", &O::kernel_regularizer),
      config::field("bias_regularizer", &O::bias_regularizer)};
  return f;
}
template <std::size_t Rank>
const config::Fields<ConvTransposeOptions<Rank>>& tail_fields() {
  using O = ConvTransposeOptions<Rank>;
  static const config::Fields<O> f{config::field("kernel_constraint", &O::kernel_constraint),
                                   config::field("bias_constraint", &O::bias_constraint)};
  return f;
}

// Keras's __init__ checks: the first problem and the key it concerns.
template <std::size_t Rank>
std::pair<std::string, std::string> options_error(const ConvTransposeOptions<Rank>& o) {
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
  if (o.output_padding) {
    if (std::string e = detail::tuple_error(*o.output_padding, "output_padding", true); !e.empty()) {
      return {"output_padding", e};
    }
    for (std::size_t i = 0; i < Rank; ++i) {
      if ((*o.output_padding)[i] >= o.strides[i]) {
        return {"output_padding",
                "`output_padding` must be strictly less than `strides` for all dimensions. At dimension " +
                    std::to_string(i) + ", `output_padding` is " + std::to_string((*o.output_padding)[i]) +
                    " but `strides` is " + std::to_string(o.strides[i]) + ". Received: output_padding=" +
                    detail::tuple_repr(*o.output_padding) + ", strides=" + detail::tuple_repr(o.strides)};
      }
    }
  }
  std::int64_t max_stride = 1, max_dilation = 1;
  for (std::size_t i = 0; i < Rank; ++i) {
    max_stride = std::max(max_stride, o.strides[i]);
    max_dilation = std::max(max_dilation, o.dilation_rate[i]);
  }
  if (max_stride > 1 && max_dilation > 1) {
    return {"dilation_rate", "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=" +
                                 detail::tuple_repr(o.strides) +
                                 " and dilation_rate=" + detail::tuple_repr(o.dilation_rate)};
  }
  return {};
}

}  // namespace

template <std::size_t Rank>
BaseConvTranspose<Rank>::BaseConvTranspose(Options options, LayerArgs args)
    : Layer(std::move(args)), options_(std::move(options)) {
  if (auto [key, message] = options_error(options_); !message.empty()) throw ValueError(message);
  options_.padding = detail::lower(options_.padding);
  options_.data_format = detail::lower(options_.data_format);
  if (!options_.activation) options_.activation = builtin_activation("linear");
  if (!options_.kernel_initializer) options_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

template <std::size_t Rank>
boost::json::object BaseConvTranspose<Rank>::get_config() const {
  return detail::conv_family_config(base_config(), activity_regularizer(), head_fields<Rank>(), tail_fields<Rank>(),
                                    options_);
}

template <std::size_t Rank>
std::pair<ConvTransposeOptions<Rank>, LayerArgs> BaseConvTranspose<Rank>::read_config(const boost::json::object& config,
                                                                                      DeserializationContext& context,
                                                                                      const std::string& class_name) {
  return detail::read_conv_family_config(config, context, class_name, head_fields<Rank>(), tail_fields<Rank>(),
                                         [](const Options& o) { return options_error(o); });
}

template <std::size_t Rank>
void BaseConvTranspose<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const std::int64_t channels =
      detail::conv_input_channels<Rank>(in, options_.data_format, [this](const std::string& m) { fail(m); });
  Shape kernel_shape(options_.kernel_size.values.begin(), options_.kernel_size.values.end());
  kernel_shape.push_back(options_.filters);
  kernel_shape.push_back(channels);
  kernel_ = add_weight({"kernel", std::move(kernel_shape), options_.kernel_initializer, options_.kernel_regularizer,
                        options_.kernel_constraint, true});
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
std::vector<PartialShape> BaseConvTranspose<Rank>::compute_output_shape(
    const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() != Rank + 2) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + out.to_string());
  }
  const bool channels_first = options_.data_format == "channels_first";
  const std::size_t first_spatial = channels_first ? 2 : 1;
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[first_spatial + i];
    if (!d) continue;
    std::optional<std::int64_t> output_padding;
    if (options_.output_padding) output_padding = (*options_.output_padding)[i];
    d = ops::conv_transpose_output_length(*d, options_.kernel_size[i], options_.strides[i], options_.dilation_rate[i],
                                          detail::to_padding(options_.padding), output_padding);
  }
  out[channels_first ? 1 : Rank + 1] = options_.filters;
  return {out};
}

template <std::size_t Rank>
std::vector<Tensor> BaseConvTranspose<Rank>::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  const bool channels_first = options_.data_format == "channels_first";
  const Tensor x = detail::to_channels_last(input, channels_first);
  const Tensor& kernel = kernel_->value();
  if (x.shape().back() != kernel.shape().back()) {
    fail("expects inputs with " + std::to_string(kernel.shape().back()) + " channels, got shape " +
         shape_repr(input.shape()));
  }
  ops::ConvTransposeNdOptions o;
  o.strides = detail::to_vector(options_.strides);
  o.dilation = detail::to_vector(options_.dilation_rate);
  o.padding = detail::to_padding(options_.padding);
  if (options_.output_padding) o.output_padding = detail::to_vector(*options_.output_padding);
  return {detail::finish_conv(ops::conv_transpose(x, kernel, o), bias_, channels_first, *options_.activation)};
}

template class BaseConvTranspose<1>;
template class BaseConvTranspose<2>;
template class BaseConvTranspose<3>;

Conv1DTranspose::Conv1DTranspose(Options options, LayerArgs args)
    : BaseConvTranspose<1>(std::move(options), std::move(args)) {}

std::shared_ptr<Conv1DTranspose> Conv1DTranspose::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "Conv1DTranspose");
  return std::make_shared<Conv1DTranspose>(std::move(options), std::move(args));
}

Conv2DTranspose::Conv2DTranspose(Options options, LayerArgs args)
    : BaseConvTranspose<2>(std::move(options), std::move(args)) {}

std::shared_ptr<Conv2DTranspose> Conv2DTranspose::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "Conv2DTranspose");
  return std::make_shared<Conv2DTranspose>(std::move(options), std::move(args));
}

Conv3DTranspose::Conv3DTranspose(Options options, LayerArgs args)
    : BaseConvTranspose<3>(std::move(options), std::move(args)) {}

std::shared_ptr<Conv3DTranspose> Conv3DTranspose::from_config(const boost::json::object& config,
                                                              DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "Conv3DTranspose");
  return std::make_shared<Conv3DTranspose>(std::move(options), std::move(args));
}

}  // namespace kplug::layers
