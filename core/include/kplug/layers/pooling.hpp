// keras.layers pooling layers: MaxPooling2D, AveragePooling2D (Keras's BasePooling) and
// GlobalMaxPooling1D. No weights; built at construction, as Keras builds them.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/layer.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Keras's BasePooling arguments, in get_config order.
template <std::size_t Rank>
struct PoolingOptions {
  config::IntTuple<Rank> pool_size{2};
  std::string padding = "valid";                  // "valid" or "same" (any case, written as given, as Keras)
  std::optional<config::IntTuple<Rank>> strides;  // none: pool_size
  std::string data_format = "channels_last";      // or "channels_first"
};

// Max or average over windows of `Rank` spatial dims. Average pooling with "same" padding
// divides by the number of real (unpadded) elements of each window, as Keras.
template <std::size_t Rank>
class BasePooling : public Layer {
 public:
  using Options = PoolingOptions<Rank>;
  enum class Mode { max, average };
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }
  Mode mode() const noexcept { return mode_; }

 protected:
  BasePooling(Mode mode, Options options, LayerArgs args);
  // from_config's common part: errors name the config key at fault.
  static std::pair<Options, LayerArgs> read_config(const boost::json::object& config, DeserializationContext& context,
                                                   const std::string& class_name);
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Mode mode_;
  Options options_;  // strides resolved
};

extern template class BasePooling<2>;

class MaxPooling2D : public BasePooling<2> {
 public:
  MaxPooling2D(Options options, LayerArgs args);
  static std::shared_ptr<MaxPooling2D> from_config(const boost::json::object& config, DeserializationContext& context);
};

class AveragePooling2D : public BasePooling<2> {
 public:
  AveragePooling2D(Options options, LayerArgs args);
  static std::shared_ptr<AveragePooling2D> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
};

// Keras's BaseGlobalPooling arguments.
struct GlobalPoolingOptions {
  std::string data_format = "channels_last";  // or "channels_first"
  bool keepdims = false;
};

// The max over the steps axis: (batch, steps, features) -> (batch, features), or
// (batch, 1, features) with keepdims (channels_first: (batch, features, steps) -> ...).
class GlobalMaxPooling1D : public Layer {
 public:
  using Options = GlobalPoolingOptions;
  GlobalMaxPooling1D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<GlobalMaxPooling1D> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
