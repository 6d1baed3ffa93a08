// What the conv families share: their options' defaults, input checks, bias and the
// channels-last round trip around the ops.
#include "kplug/errors.hpp"
#include "kplug/layers/convolutional.hpp"
#include "kplug/object.hpp"
#include "kplug/serialization.hpp"
#include "layers/convolutional/conv_common.hpp"
#include "layers/planning/conv_step.hpp"

#include <utility>

namespace kplug::layers {

template <std::size_t Rank>
void ConvLayer<Rank>::normalise(BaseConvOptions<Rank>& options,
                                std::initializer_list<std::shared_ptr<Initializer>*> kernel_initializers) const {
  options.padding = detail::lower(options.padding);
  options.data_format = detail::lower(options.data_format);
  // A null given in the config or by a C++ caller means Keras's default, as add_weight's.
  if (!options.activation) options.activation = builtin_activation("linear");
  if (!options.bias_initializer) options.bias_initializer = std::make_shared<initializers::Zeros>();
  for (std::shared_ptr<Initializer>* initializer : kernel_initializers) {
    if (!*initializer) *initializer = std::make_shared<initializers::GlorotUniform>();
  }
  options.activity_regularizer = activity_regularizer();
}

template <std::size_t Rank>
std::int64_t ConvLayer<Rank>::input_channels(const PartialShape& in, const BaseConvOptions<Rank>& options) const {
  if (in.rank() != Rank + 2) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + " (batch, " + detail::spatial_names(Rank) +
         ", channels in " + options.data_format + " order), got shape " + in.to_string());
  }
  const Dim& channels = in[options.data_format == "channels_first" ? 1 : Rank + 1];
  if (!channels) fail("needs a known channel dimension to build, got input shape " + in.to_string());
  return *channels;
}

template <std::size_t Rank>
VariablePtr ConvLayer<Rank>::add_kernel(std::string name, const config::IntTuple<Rank>& window, std::int64_t in,
                                        std::int64_t out, std::shared_ptr<Initializer> initializer,
                                        std::shared_ptr<Regularizer> regularizer,
                                        std::shared_ptr<Constraint> constraint) {
  Shape shape(window.values.begin(), window.values.end());
  shape.push_back(in);
  shape.push_back(out);
  return add_weight(
      {std::move(name), std::move(shape), std::move(initializer), std::move(regularizer), std::move(constraint), true});
}

template <std::size_t Rank>
void ConvLayer<Rank>::add_bias(const BaseConvOptions<Rank>& options, std::int64_t size) {
  if (!options.use_bias) return;
  bias_ =
      add_weight({"bias", {size}, options.bias_initializer, options.bias_regularizer, options.bias_constraint, true});
}

template <std::size_t Rank>
PartialShape ConvLayer<Rank>::forward_output_shape(const PartialShape& in, const BaseConvOptions<Rank>& options,
                                                   std::int64_t channels) const {
  if (in.rank() != Rank + 2)
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + in.to_string());
  const bool channels_first = options.data_format == "channels_first";
  PartialShape out = in;
  const ops::Padding p = detail::to_padding(options.padding);
  for (std::size_t i = 0; i < Rank; ++i) {
    Dim& d = out[(channels_first ? 2 : 1) + i];
    if (!d) continue;
    const std::int64_t span = (options.kernel_size[i] - 1) * options.dilation_rate[i] + 1;
    if (p == ops::Padding::valid && *d < span) {
      fail("Computed output size would be zero or negative. Received `inputs shape=" + in.to_string() +
           "`, `kernel_size=" + detail::tuple_repr(options.kernel_size) +
           "`, `dilation_rate=" + detail::tuple_repr(options.dilation_rate) +
           "`, `strides=" + detail::tuple_repr(options.strides) + "`, `padding=" + options.padding + "`.");
    }
    d = ops::conv_output_length(*d, options.kernel_size[i], options.strides[i], options.dilation_rate[i], p);
  }
  out[channels_first ? 1 : Rank + 1] = channels;
  return out;
}

template <std::size_t Rank>
Tensor ConvLayer<Rank>::channels_last_input(const CallArgs& args, const BaseConvOptions<Rank>& options,
                                            std::int64_t channels) const {
  expect_inputs(args, 1);
  const Tensor& input = args.inputs[0];
  if (input.rank() != static_cast<std::int64_t>(Rank + 2)) {
    fail("expects inputs of rank " + std::to_string(Rank + 2) + ", got shape " + shape_repr(input.shape()));
  }
  Tensor x = options.data_format == "channels_first" ? input.move_axis_to_last(1) : input;
  if (x.shape().back() != channels) {
    fail("expects inputs with " + std::to_string(channels) + " channels, got shape " + shape_repr(input.shape()));
  }
  return x;
}

template <std::size_t Rank>
std::vector<Tensor> ConvLayer<Rank>::finish(Tensor y, const BaseConvOptions<Rank>& options) const {
  if (bias_) y = y + bias_->value();
  // The activation sees Keras's layout (an axis-wise one like softmax acts on the last axis).
  if (options.data_format == "channels_first") y = y.move_last_axis_to(1);
  return {(*options.activation)(y)};
}

template <std::size_t Rank>
typename ConvLayer<Rank>::PreparedSpec ConvLayer<Rank>::make_spec(const BaseConvOptions<Rank>& options,
                                                                  ops::ConvNdOptions conv, bool depthwise) {
  PreparedSpec spec;
  spec.conv.conv = std::move(conv);
  spec.conv.depthwise = depthwise;
  spec.activation = detail::fusable_post_ops(*options.activation);
  spec.activation_function = options.activation;
  spec.channels_first = options.data_format == "channels_first";
  return spec;
}

template <std::size_t Rank>
std::shared_ptr<const ops::PreparedConv> ConvLayer<Rank>::prepared_conv(PreparedSpec spec) const {
  return cached_conv([&](const Tensor& kernel, const Tensor* bias) {
    spec.conv.post_ops = spec.activation.value_or(std::vector<ops::ConvPostOp>{});
    return std::make_unique<ops::PreparedConv>(kernel, bias, spec.conv);
  });
}

template <std::size_t Rank>
std::shared_ptr<const ops::PreparedConv> ConvLayer<Rank>::cached_conv(const MakeConv& make) const {
  std::vector<Tensor> sources{kernel_->value()};
  if (bias_) sources.push_back(bias_->value());
  return prepared_.get(sources, [&] { return make(sources[0], bias_ ? &sources[1] : nullptr); });
}

template <std::size_t Rank>
std::unique_ptr<InferenceStep> ConvLayer<Rank>::plan_inference(const std::vector<TensorSpec>& inputs) const {
  std::optional<PreparedSpec> spec = prepared_spec();
  if (!spec || spec->channels_first || !built()) return nullptr;
  std::shared_ptr<Activation> after = spec->activation ? nullptr : spec->activation_function;
  return planning::make_conv_step(prepared_conv(*spec), inputs, false, std::move(after));
}

template <std::size_t Rank>
std::vector<Tensor> ConvLayer<Rank>::run_prepared(const CallArgs& args, const BaseConvOptions<Rank>& options,
                                                  std::int64_t channels) const {
  const PreparedSpec spec = *prepared_spec();
  const Tensor x = channels_last_input(args, options, channels);
  Tensor y = prepared_conv(spec)->run(x);
  // An activation applied after sees Keras's layout (an axis-wise one like softmax acts on the last axis).
  if (spec.channels_first) y = y.move_last_axis_to(1);
  if (!spec.activation) y = (*options.activation)(y);
  return {y};
}

template class ConvLayer<1>;
template class ConvLayer<2>;
template class ConvLayer<3>;

}  // namespace kplug::layers
