// keras.layers convolution layers: Conv1D, Conv2D (Keras's BaseConv).
//
// Kernels keep Keras's layout, (k..., in_channels / groups, filters); channels_first inputs
// are computed channels_last (the channel axis moved last, then back before the activation).
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

}  // namespace kplug::layers

#pragma GCC visibility pop
