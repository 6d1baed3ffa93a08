// keras.layers convolution layers: Conv1D/2D/3D (Keras's BaseConv), Conv1D/2D/3DTranspose
// (BaseConvTranspose), DepthwiseConv1D/2D (BaseDepthwiseConv), SeparableConv1D/2D
// (BaseSeparableConv).
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
#include "kplug/layers/layer.hpp"
#include "kplug/regularizers.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Keras's BaseConv arguments for `Rank` spatial dims, in get_config order.
template <std::size_t Rank>
struct ConvOptions {
  std::int64_t filters = 0;
  config::IntTuple<Rank> kernel_size{};
  config::IntTuple<Rank> strides{1};
  std::string padding = "valid";              // "valid", "same", "causal" (Rank 1 only); any case
  std::string data_format = "channels_last";  // or "channels_first"; any case
  config::IntTuple<Rank> dilation_rate{1};
  std::int64_t groups = 1;
  std::shared_ptr<Activation> activation;  // null: linear
  bool use_bias = true;
  std::shared_ptr<Initializer> kernel_initializer;  // null: GlorotUniform
  std::shared_ptr<Initializer> bias_initializer;    // null: Zeros
  std::shared_ptr<Regularizer> kernel_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> kernel_constraint, bias_constraint;
};

// activation(conv(x, kernel) + bias) over `Rank` spatial dims.
template <std::size_t Rank>
class BaseConv : public Layer {
 public:
  using Options = ConvOptions<Rank>;
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  // Keras's checks and messages (ValueError); padding and data_format are lower-cased.
  BaseConv(Options options, LayerArgs args);
  // from_config's common part: errors name the config key at fault.
  static std::pair<Options, LayerArgs> read_config(const boost::json::object& config, DeserializationContext& context,
                                                   const std::string& class_name);
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::int64_t channel_axis() const noexcept { return options_.data_format == "channels_first" ? 1 : Rank + 1; }

  Options options_;
  VariablePtr kernel_, bias_;
};

extern template class BaseConv<1>;
extern template class BaseConv<2>;
extern template class BaseConv<3>;

// 1-D convolution over (batch, steps, channels); padding may be "causal" (left padding).
class Conv1D : public BaseConv<1> {
 public:
  Conv1D(Options options, LayerArgs args);
  static std::shared_ptr<Conv1D> from_config(const boost::json::object& config, DeserializationContext& context);
};

// 2-D convolution over (batch, rows, cols, channels).
class Conv2D : public BaseConv<2> {
 public:
  Conv2D(Options options, LayerArgs args);
  static std::shared_ptr<Conv2D> from_config(const boost::json::object& config, DeserializationContext& context);
};

// 3-D convolution over (batch, depth, rows, cols, channels).
class Conv3D : public BaseConv<3> {
 public:
  Conv3D(Options options, LayerArgs args);
  static std::shared_ptr<Conv3D> from_config(const boost::json::object& config, DeserializationContext& context);
};

// ---- transposed convolutions ----

// Keras's BaseConvTranspose arguments, in get_config order. Padding "valid" or "same".
template <std::size_t Rank>
struct ConvTransposeOptions {
  std::int64_t filters = 0;
  config::IntTuple<Rank> kernel_size{};
  config::IntTuple<Rank> strides{1};
  std::string padding = "valid";
  std::optional<config::IntTuple<Rank>> output_padding;  // each < its stride; null: Keras's default
  std::string data_format = "channels_last";
  config::IntTuple<Rank> dilation_rate{1};
  std::shared_ptr<Activation> activation;  // null: linear
  bool use_bias = true;
  std::shared_ptr<Initializer> kernel_initializer;  // null: GlorotUniform
  std::shared_ptr<Initializer> bias_initializer;    // null: Zeros
  std::shared_ptr<Regularizer> kernel_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> kernel_constraint, bias_constraint;
};

// activation(conv_transpose(x, kernel) + bias); kernel (k..., filters, in_channels).
template <std::size_t Rank>
class BaseConvTranspose : public Layer {
 public:
  using Options = ConvTransposeOptions<Rank>;
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  BaseConvTranspose(Options options, LayerArgs args);
  static std::pair<Options, LayerArgs> read_config(const boost::json::object& config, DeserializationContext& context,
                                                   const std::string& class_name);
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

extern template class BaseConvTranspose<1>;
extern template class BaseConvTranspose<2>;
extern template class BaseConvTranspose<3>;

class Conv1DTranspose : public BaseConvTranspose<1> {
 public:
  Conv1DTranspose(Options options, LayerArgs args);
  static std::shared_ptr<Conv1DTranspose> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};
class Conv2DTranspose : public BaseConvTranspose<2> {
 public:
  Conv2DTranspose(Options options, LayerArgs args);
  static std::shared_ptr<Conv2DTranspose> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};
class Conv3DTranspose : public BaseConvTranspose<3> {
 public:
  Conv3DTranspose(Options options, LayerArgs args);
  static std::shared_ptr<Conv3DTranspose> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};

// ---- depthwise convolutions ----

// Keras's BaseDepthwiseConv arguments, in get_config order. Padding "valid" or "same";
// strides and dilation together are allowed (Keras does not refuse them here).
template <std::size_t Rank>
struct DepthwiseConvOptions {
  std::int64_t depth_multiplier = 1;
  config::IntTuple<Rank> kernel_size{};
  config::IntTuple<Rank> strides{1};
  std::string padding = "valid";
  std::string data_format = "channels_last";
  config::IntTuple<Rank> dilation_rate{1};
  std::shared_ptr<Activation> activation;  // null: linear
  bool use_bias = true;
  std::shared_ptr<Initializer> depthwise_initializer;  // null: GlorotUniform
  std::shared_ptr<Initializer> bias_initializer;       // null: Zeros
  std::shared_ptr<Regularizer> depthwise_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> depthwise_constraint, bias_constraint;
};

// Each input channel convolved with its own depth_multiplier filters: weights "kernel"
// (k..., in_channels, depth_multiplier) and "bias" (in_channels * depth_multiplier).
template <std::size_t Rank>
class BaseDepthwiseConv : public Layer {
 public:
  using Options = DepthwiseConvOptions<Rank>;
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }
  const VariablePtr& kernel() const noexcept { return kernel_; }
  const VariablePtr& bias() const noexcept { return bias_; }

 protected:
  BaseDepthwiseConv(Options options, LayerArgs args);
  static std::pair<Options, LayerArgs> read_config(const boost::json::object& config, DeserializationContext& context,
                                                   const std::string& class_name);
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr kernel_, bias_;
};

extern template class BaseDepthwiseConv<1>;
extern template class BaseDepthwiseConv<2>;

class DepthwiseConv1D : public BaseDepthwiseConv<1> {
 public:
  DepthwiseConv1D(Options options, LayerArgs args);
  static std::shared_ptr<DepthwiseConv1D> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};
class DepthwiseConv2D : public BaseDepthwiseConv<2> {
 public:
  DepthwiseConv2D(Options options, LayerArgs args);
  static std::shared_ptr<DepthwiseConv2D> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};

// ---- separable convolutions ----

// Keras's BaseSeparableConv arguments, in get_config order. Padding "valid" or "same".
template <std::size_t Rank>
struct SeparableConvOptions {
  std::int64_t depth_multiplier = 1;
  std::int64_t filters = 0;
  config::IntTuple<Rank> kernel_size{};
  config::IntTuple<Rank> strides{1};
  std::string padding = "valid";
  std::string data_format = "channels_last";
  config::IntTuple<Rank> dilation_rate{1};
  std::shared_ptr<Activation> activation;  // null: linear
  bool use_bias = true;
  std::shared_ptr<Initializer> depthwise_initializer, pointwise_initializer;  // null: GlorotUniform
  std::shared_ptr<Initializer> bias_initializer;                              // null: Zeros
  std::shared_ptr<Regularizer> depthwise_regularizer, pointwise_regularizer, bias_regularizer;
  std::shared_ptr<Constraint> depthwise_constraint, pointwise_constraint, bias_constraint;
};

// A depthwise convolution then a 1x1 convolution: weights "depthwise_kernel",
// "pointwise_kernel", "bias".
template <std::size_t Rank>
class BaseSeparableConv : public Layer {
 public:
  using Options = SeparableConvOptions<Rank>;
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  BaseSeparableConv(Options options, LayerArgs args);
  static std::pair<Options, LayerArgs> read_config(const boost::json::object& config, DeserializationContext& context,
                                                   const std::string& class_name);
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr depthwise_kernel_, pointwise_kernel_, bias_;
};

extern template class BaseSeparableConv<1>;
extern template class BaseSeparableConv<2>;

class SeparableConv1D : public BaseSeparableConv<1> {
 public:
  SeparableConv1D(Options options, LayerArgs args);
  static std::shared_ptr<SeparableConv1D> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};
class SeparableConv2D : public BaseSeparableConv<2> {
 public:
  SeparableConv2D(Options options, LayerArgs args);
  static std::shared_ptr<SeparableConv2D> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
};

}  // namespace kplug::layers

#pragma GCC visibility pop
