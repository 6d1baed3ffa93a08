// keras.layers convolution layers, one template over the rank per Keras family: Conv<Rank>
// (Conv1D/2D/3D, Keras's BaseConv), ConvTranspose<Rank> (Conv1D/2D/3DTranspose),
// DepthwiseConv<Rank> (DepthwiseConv1D/2D), SeparableConv<Rank> (SeparableConv1D/2D).
//
// Kernels keep Keras's layouts: conv (k..., in_channels / groups, filters), transpose
// (k..., filters, in_channels), depthwise (k..., in_channels, depth_multiplier), pointwise
// (1..., in_channels * depth_multiplier, filters). channels_first inputs are computed
// channels_last (the channel axis moved last, then back before the activation).
#pragma once

#include "kplug/activations.hpp"
#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/ops/prepared_conv.hpp"
#include "kplug/regularizers.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// The sliding window of every convolution (the conv layers' and ConvLSTM's).
template <std::size_t Rank>
struct ConvWindowOptions {
  static constexpr std::size_t rank = Rank;
  config::IntTuple<Rank> kernel_size{};
  config::IntTuple<Rank> strides{1};
  std::string padding = "valid";              // "valid", "same", "causal" (Conv1D only); any case
  std::string data_format = "channels_last";  // or "channels_first"; any case
  config::IntTuple<Rank> dilation_rate{1};
};

// The window, then activation(... + bias), as the conv families hold them.
template <std::size_t Rank>
struct BaseConvOptions : ConvWindowOptions<Rank> {
  std::shared_ptr<Activation> activation = builtin_activation("linear");
  bool use_bias = true;
  std::shared_ptr<Initializer> bias_initializer = std::make_shared<initializers::Zeros>();
  std::shared_ptr<Regularizer> bias_regularizer;
  std::shared_ptr<Constraint> bias_constraint;
  // The layer's (LayerArgs'), set by its constructor: Keras writes it among these keys.
  std::shared_ptr<Regularizer> activity_regularizer;
};

// Keras's BaseConv arguments.
template <std::size_t Rank>
struct ConvOptions : BaseConvOptions<Rank> {
  std::int64_t filters = 0;
  std::int64_t groups = 1;
  std::shared_ptr<Initializer> kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Regularizer> kernel_regularizer;
  std::shared_ptr<Constraint> kernel_constraint;
};

// Keras's BaseConvTranspose arguments. Padding "valid" or "same".
template <std::size_t Rank>
struct ConvTransposeOptions : BaseConvOptions<Rank> {
  std::int64_t filters = 0;
  std::optional<config::IntTuple<Rank>> output_padding;  // each < its stride; null: Keras's default
  std::shared_ptr<Initializer> kernel_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Regularizer> kernel_regularizer;
  std::shared_ptr<Constraint> kernel_constraint;
};

// Keras's BaseDepthwiseConv arguments. Padding "valid" or "same"; strides and dilation
// together are allowed (Keras does not refuse them here).
template <std::size_t Rank>
struct DepthwiseConvOptions : BaseConvOptions<Rank> {
  std::int64_t depth_multiplier = 1;
  std::shared_ptr<Initializer> depthwise_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Regularizer> depthwise_regularizer;
  std::shared_ptr<Constraint> depthwise_constraint;
};

// Keras's BaseSeparableConv arguments: the depthwise ones, then filters and the pointwise kernel's.
template <std::size_t Rank>
struct SeparableConvOptions : DepthwiseConvOptions<Rank> {
  std::int64_t filters = 0;
  std::shared_ptr<Initializer> pointwise_initializer = std::make_shared<initializers::GlorotUniform>();
  std::shared_ptr<Regularizer> pointwise_regularizer;
  std::shared_ptr<Constraint> pointwise_constraint;
};

// How a conv layer runs as an ops::PreparedConv: the convolution without post-ops, and the
// layer's activation as post-ops (nullopt: one oneDNN does not fuse, applied after). A model's
// plan uses it to fuse the layers after the convolution.
struct PreparedConvSpec {
  ops::PreparedConvOptions conv;
  std::optional<std::vector<ops::ConvPostOp>> activation;
  std::shared_ptr<Activation> activation_function;  // the layer's, applied after when not fused
  bool channels_first = false;
};

// What the conv families share: the kernel and bias variables, the channels-last round
// trip and the checks of their input shapes. Their from_config/get_config are FieldsLayer's.
template <std::size_t Rank>
class ConvLayer : public Layer {
 public:
  const VariablePtr& kernel() const noexcept { return kernel_; }  // SeparableConv: the depthwise kernel
  const VariablePtr& bias() const noexcept { return bias_; }

  using PreparedSpec = PreparedConvSpec;
  // How the layer runs as an ops::PreparedConv (Conv and DepthwiseConv; null for the others).
  virtual std::optional<PreparedSpec> prepared_spec() const { return std::nullopt; }
  // The layer's PreparedConv as a step (channels_last layers with a prepared_spec).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  using Layer::Layer;
  // Lower-cased padding and data_format, null arguments as Keras's defaults (GlorotUniform
  // for the `kernel_initializers`), the activity regularizer mirrored for get_config.
  void normalise(BaseConvOptions<Rank>& options,
                 std::initializer_list<std::shared_ptr<Initializer>*> kernel_initializers) const;
  // The known channel count of an input of rank Rank + 2 (else fails naming the layer).
  std::int64_t input_channels(const PartialShape& in, const BaseConvOptions<Rank>& options) const;
  // A kernel of shape (window..., in, out).
  VariablePtr add_kernel(std::string name, const config::IntTuple<Rank>& window, std::int64_t in, std::int64_t out,
                         std::shared_ptr<Initializer> initializer, std::shared_ptr<Regularizer> regularizer,
                         std::shared_ptr<Constraint> constraint);
  void add_bias(const BaseConvOptions<Rank>& options, std::int64_t size);
  // Keras's compute_conv_output_shape with `channels` output channels.
  PartialShape forward_output_shape(const PartialShape& in, const BaseConvOptions<Rank>& options,
                                    std::int64_t channels) const;
  // The one input, channels last, with `channels` channels (else fails).
  Tensor channels_last_input(const CallArgs& args, const BaseConvOptions<Rank>& options, std::int64_t channels) const;
  // + bias, back to Keras's layout, then the activation.
  std::vector<Tensor> finish(Tensor y, const BaseConvOptions<Rank>& options) const;
  // The spec of a layer with these options and convolution.
  static PreparedSpec make_spec(const BaseConvOptions<Rank>& options, ops::ConvNdOptions conv, bool depthwise);
  // activation(conv(x) + bias) through the layer's PreparedConv (made again when the weights
  // change); x as channels_last_input checks it.
  std::vector<Tensor> run_prepared(const CallArgs& args, const BaseConvOptions<Rank>& options,
                                   std::int64_t channels) const;
  // The layer's PreparedConv for `spec` and its current weights.
  std::shared_ptr<const ops::PreparedConv> prepared_conv(PreparedSpec spec) const;
  // The layer's PreparedConv made by `make` from its current kernel and bias (null: none), made
  // again when they change.
  using MakeConv = std::function<std::unique_ptr<ops::PreparedConv>(const Tensor& kernel, const Tensor* bias)>;
  std::shared_ptr<const ops::PreparedConv> cached_conv(const MakeConv& make) const;

  VariablePtr kernel_, bias_;

 private:
  ops::PreparedConvCache prepared_;
};

extern template class ConvLayer<1>;
extern template class ConvLayer<2>;
extern template class ConvLayer<3>;

namespace detail {
template <std::size_t Rank>
constexpr std::string_view ranked_name(std::array<std::string_view, 3> names) {
  return names[Rank - 1];
}
}  // namespace detail

// activation(conv(x, kernel) + bias) over `Rank` spatial dims; Conv1D's padding may be
// "causal" (left padding).
template <std::size_t Rank>
class Conv : public FieldsLayer<Conv<Rank>, ConvOptions<Rank>, ConvLayer<Rank>> {
 public:
  static constexpr std::string_view keras_class_name = detail::ranked_name<Rank>({"Conv1D", "Conv2D", "Conv3D"});
  using Options = ConvOptions<Rank>;
  static const config::Fields<Options>& fields();
  // Keras's checks and messages (ValueError).
  Conv(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::optional<PreparedConvSpec> prepared_spec() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

// activation(conv_transpose(x, kernel) + bias); kernel (k..., filters, in_channels).
template <std::size_t Rank>
class ConvTranspose : public FieldsLayer<ConvTranspose<Rank>, ConvTransposeOptions<Rank>, ConvLayer<Rank>> {
 public:
  static constexpr std::string_view keras_class_name =
      detail::ranked_name<Rank>({"Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"});
  using Options = ConvTransposeOptions<Rank>;
  static const config::Fields<Options>& fields();
  ConvTranspose(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  // The layer's PreparedConv::transposed as a step (channels_last layers).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  // The layer's transposed convolution and bias (its current weights), made once.
  std::shared_ptr<const ops::PreparedConv> prepared_transpose() const;
};

// Each input channel convolved with its own depth_multiplier filters: weights "kernel"
// (k..., in_channels, depth_multiplier) and "bias" (in_channels * depth_multiplier).
template <std::size_t Rank>
class DepthwiseConv : public FieldsLayer<DepthwiseConv<Rank>, DepthwiseConvOptions<Rank>, ConvLayer<Rank>> {
 public:
  static constexpr std::string_view keras_class_name =
      detail::ranked_name<Rank>({"DepthwiseConv1D", "DepthwiseConv2D", ""});
  using Options = DepthwiseConvOptions<Rank>;
  static const config::Fields<Options>& fields();
  DepthwiseConv(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::optional<PreparedConvSpec> prepared_spec() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

// A depthwise convolution then a 1x1 convolution: weights "depthwise_kernel",
// "pointwise_kernel", "bias".
template <std::size_t Rank>
class SeparableConv : public FieldsLayer<SeparableConv<Rank>, SeparableConvOptions<Rank>, ConvLayer<Rank>> {
 public:
  static constexpr std::string_view keras_class_name =
      detail::ranked_name<Rank>({"SeparableConv1D", "SeparableConv2D", ""});
  using Options = SeparableConvOptions<Rank>;
  static const config::Fields<Options>& fields();
  SeparableConv(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const VariablePtr& pointwise_kernel() const noexcept { return pointwise_kernel_; }
  // A depthwise then a pointwise ops::PreparedConv as one step (channels_last layers).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr pointwise_kernel_;
};

extern template class Conv<1>;
extern template class Conv<2>;
extern template class Conv<3>;
extern template class ConvTranspose<1>;
extern template class ConvTranspose<2>;
extern template class ConvTranspose<3>;
extern template class DepthwiseConv<1>;
extern template class DepthwiseConv<2>;
extern template class SeparableConv<1>;
extern template class SeparableConv<2>;

using Conv1D = Conv<1>;
using Conv2D = Conv<2>;
using Conv3D = Conv<3>;
using Conv1DTranspose = ConvTranspose<1>;
using Conv2DTranspose = ConvTranspose<2>;
using Conv3DTranspose = ConvTranspose<3>;
using DepthwiseConv1D = DepthwiseConv<1>;
using DepthwiseConv2D = DepthwiseConv<2>;
using SeparableConv1D = SeparableConv<1>;
using SeparableConv2D = SeparableConv<2>;

}  // namespace kplug::layers

#pragma GCC visibility pop
