// Keras's BaseConv (Conv1D, Conv2D, Conv3D): config, kernel (k..., in / groups, filters), forward pass.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/layers/layer_fields.hpp"
#include "kplug/ops/conv.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/serialization.hpp"
#include "layers/convolutional/conv_common.hpp"
#include "layers/spatial_options.hpp"

#include <utility>

namespace kplug::layers {
namespace {

// filters .. bias_regularizer, then (after activity_regularizer) the constraints: Keras's order.
template <std::size_t Rank>
const config::Fields<ConvOptions<Rank>>& head_fields() {
  using O = ConvOptions<Rank>;
  static const config::Fields<O> f{
      config::field("filters", &O::filters).required(),
      config::field("kernel_size", &O::kernel_size).check(detail::tuple_check<Rank>("kernel_size")).required(),
      config::field("strides", &O::strides).check(detail::tuple_check<Rank>("strides")),
      config::field("padding", &O::padding).check(detail::padding_check(Rank == 1)),
      config::field("data_format", &O::data_format).null_is_default().check(detail::data_format_check()),
      config::field("dilation_rate", &O::dilation_rate).check(detail::tuple_check<Rank>("dilation_rate")),
      config::field("groups", &O::groups),
      activation_field("activation", &O::activation),
      config::field("use_bias", &O::use_bias),
      config::field("kernel_initializer", &O::kernel_initializer),
      config::field("bias_initializer", &O::bias_initializer),
      config::field("kernel_regularizer", &O::kernel_regularizer),
      config::field("bias_regularizer", &O::bias_regularizer)};
  return f;
}
template <std::size_t Rank>
const config::Fields<ConvOptions<Rank>>& tail_fields() {
  using O = ConvOptions<Rank>;
  // LoRA keys (never written unless set, as Keras; set ones are refused): Dense's fields, without
  // quantization_config, which BaseConv does not have.
  static const config::Fields<O> f = [] {
    const auto lora = quantization_fields<O>(Rank == 1 ? "Conv1D" : Rank == 2 ? "Conv2D" : "Conv3D").list();
    return config::Fields<O>{config::field("kernel_constraint", &O::kernel_constraint),
                             config::field("bias_constraint", &O::bias_constraint), lora.at(1), lora.at(2)};
  }();
  return f;
}

// Keras's __init__ checks across arguments: the first problem and the key it concerns.
template <std::size_t Rank>
std::pair<std::string, std::string> options_error(const ConvOptions<Rank>& o) {
  if (o.filters <= 0) {
    return {"filters", "Invalid value for argument `filters`. Expected a strictly positive value. Received filters=" +
                           std::to_string(o.filters) + "."};
  }
  if (o.groups <= 0) {
    return {"groups",
            "The number of groups must be a positive integer. Received: groups=" + std::to_string(o.groups) + "."};
  }
  if (o.filters % o.groups != 0) {
    return {"groups", "The number of filters must be evenly divisible by the number of groups. Received: groups=" +
                          std::to_string(o.groups) + ", filters=" + std::to_string(o.filters) + "."};
  }
  for (const auto& [key, t] : {std::pair<const char*, const config::IntTuple<Rank>*>{"kernel_size", &o.kernel_size},
                               {"strides", &o.strides},
                               {"dilation_rate", &o.dilation_rate}}) {
    if (std::string e = detail::tuple_error(*t, key); !e.empty()) return {key, e};
  }
  if (std::string e = detail::padding_error(o.padding, Rank == 1); !e.empty()) return {"padding", e};
  if (std::string e = detail::data_format_error(o.data_format); !e.empty()) return {"data_format", e};
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
BaseConv<Rank>::BaseConv(Options options, LayerArgs args) : Layer(std::move(args)), options_(std::move(options)) {
  if (auto [key, message] = options_error(options_); !message.empty()) throw ValueError(message);
  options_.padding = detail::lower(options_.padding);
  options_.data_format = detail::lower(options_.data_format);
  if (!options_.activation) options_.activation = builtin_activation("linear");
  if (!options_.kernel_initializer) options_.kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  if (!options_.bias_initializer) options_.bias_initializer = std::make_shared<initializers::Zeros>();
}

template <std::size_t Rank>
boost::json::object BaseConv<Rank>::get_config() const {
  return detail::conv_family_config(base_config(), activity_regularizer(), head_fields<Rank>(), tail_fields<Rank>(),
                                    options_);
}

template <std::size_t Rank>
std::pair<ConvOptions<Rank>, LayerArgs> BaseConv<Rank>::read_config(const boost::json::object& config,
                                                                    DeserializationContext& context,
                                                                    const std::string& class_name) {
  return detail::read_conv_family_config(config, context, class_name, head_fields<Rank>(), tail_fields<Rank>(),
                                         [](const Options& o) { return options_error(o); });
}

template <std::size_t Rank>
void BaseConv<Rank>::build(const std::vector<PartialShape>& input_shapes) {
  const PartialShape& in = single_shape(input_shapes);
  const std::int64_t channels =
      detail::conv_input_channels<Rank>(in, options_.data_format, [this](const std::string& m) { fail(m); });
  if (channels % options_.groups != 0) {
    fail("The number of input channels must be evenly divisible by the number of groups. Received groups=" +
         std::to_string(options_.groups) + ", but the input has " + std::to_string(channels) +
         " channels (full input shape is " + in.to_string() + ").");
  }
  compute_output_shape(input_shapes);  // as Keras: a too-small input fails at build
  Shape kernel_shape(options_.kernel_size.values.begin(), options_.kernel_size.values.end());
  kernel_shape.push_back(channels / options_.groups);
  kernel_shape.push_back(options_.filters);
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
std::vector<PartialShape> BaseConv<Rank>::compute_output_shape(const std::vector<PartialShape>& input_shapes) const {
  PartialShape out = single_shape(input_shapes);
  if (out.rank() != Rank + 2) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + out.to_string());
  }
  const std::size_t first_spatial = options_.data_format == "channels_first" ? 2 : 1;
  const ops::Padding padding = detail::to_padding(options_.padding);
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[first_spatial + i];
    if (!d) continue;
    const std::int64_t span = (options_.kernel_size[i] - 1) * options_.dilation_rate[i] + 1;
    if (padding == ops::Padding::valid && *d < span) {
      fail("Computed output size would be zero or negative. Received `inputs shape=" +
           single_shape(input_shapes).to_string() + "`, `kernel_size=" + detail::tuple_repr(options_.kernel_size) +
           "`, `dilation_rate=" + detail::tuple_repr(options_.dilation_rate) +
           "`, `strides=" + detail::tuple_repr(options_.strides) + "`, `padding=" + options_.padding + "`.");
    }
    d = ops::conv_output_length(*d, options_.kernel_size[i], options_.strides[i], options_.dilation_rate[i], padding);
  }
  out[static_cast<std::size_t>(channel_axis())] = options_.filters;
  return {out};
}

template <std::size_t Rank>
std::vector<Tensor> BaseConv<Rank>::call(CallArgs& args) {
  expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  const bool channels_first = options_.data_format == "channels_first";
  const Tensor x = channels_first ? input.move_axis_to_last(1) : input;
  const Tensor& kernel = kernel_->value();
  if (x.shape().back() != kernel.shape()[Rank] * options_.groups) {
    fail("expects inputs with " + std::to_string(kernel.shape()[Rank] * options_.groups) + " channels, got shape " +
         shape_repr(input.shape()));
  }
  const ops::Padding padding = detail::to_padding(options_.padding);
  Tensor y;
  if constexpr (Rank == 3) {
    y = ops::conv(
        x, kernel,
        {detail::to_vector(options_.strides), detail::to_vector(options_.dilation_rate), padding, options_.groups});
  } else if constexpr (Rank == 1) {
    y = ops::conv1d(x, kernel, {options_.strides[0], options_.dilation_rate[0], padding, options_.groups});
  } else {
    y = ops::conv2d(x, kernel,
                    {{options_.strides[0], options_.strides[1]},
                     {options_.dilation_rate[0], options_.dilation_rate[1]},
                     padding,
                     options_.groups});
  }
  if (bias_) y = y + bias_->value();
  // The activation sees Keras's layout (an axis-wise one like softmax acts on the last axis).
  if (channels_first) y = y.move_last_axis_to(1);
  return {(*options_.activation)(y)};
}

template class BaseConv<1>;
template class BaseConv<2>;
template class BaseConv<3>;

Conv1D::Conv1D(Options options, LayerArgs args) : BaseConv<1>(std::move(options), std::move(args)) {}

std::shared_ptr<Conv1D> Conv1D::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "Conv1D");
  return std::make_shared<Conv1D>(std::move(options), std::move(args));
}

Conv2D::Conv2D(Options options, LayerArgs args) : BaseConv<2>(std::move(options), std::move(args)) {}

std::shared_ptr<Conv2D> Conv2D::from_config(const boost::json::object& config, DeserializationContext& context) {
  auto [options, args] = read_config(config, context, "Conv2D");
  return std::make_shared<Conv2D>(std::move(options), std::move(args));
}

}  // namespace kplug::layers
