// keras.layers pooling layers: Max/AveragePooling1D/2D/3D (Keras's BasePooling) and
// GlobalMax/GlobalAveragePooling1D/2D/3D (BaseGlobalPooling). No weights; built at
// construction, as Keras builds them.
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

extern template class BasePooling<1>;
extern template class BasePooling<2>;
extern template class BasePooling<3>;

class MaxPooling1D : public BasePooling<1> {
 public:
  MaxPooling1D(Options options, LayerArgs args);
  static std::shared_ptr<MaxPooling1D> from_config(const boost::json::object& config, DeserializationContext& context);
};

class AveragePooling1D : public BasePooling<1> {
 public:
  AveragePooling1D(Options options, LayerArgs args);
  static std::shared_ptr<AveragePooling1D> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
};

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

class MaxPooling3D : public BasePooling<3> {
 public:
  MaxPooling3D(Options options, LayerArgs args);
  static std::shared_ptr<MaxPooling3D> from_config(const boost::json::object& config, DeserializationContext& context);
};

class AveragePooling3D : public BasePooling<3> {
 public:
  AveragePooling3D(Options options, LayerArgs args);
  static std::shared_ptr<AveragePooling3D> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
};

// Keras's BaseGlobalPooling arguments.
struct GlobalPoolingOptions {
  std::string data_format = "channels_last";  // or "channels_first"
  bool keepdims = false;
};

// The max or mean over every spatial axis of a rank-(pool_dimensions + 2) input:
// (batch, spatial..., channels) -> (batch, channels), or (batch, 1..., channels) with
// keepdims (channels_first: (batch, channels, spatial...) -> (batch, channels[, 1...])).
class BaseGlobalPooling : public Layer {
 public:
  using Options = GlobalPoolingOptions;
  enum class Mode { max, average };
  static const config::Fields<Options>& fields();
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }
  Mode mode() const noexcept { return mode_; }
  std::size_t pool_dimensions() const noexcept { return pool_dimensions_; }

 protected:
  BaseGlobalPooling(Mode mode, std::size_t pool_dimensions, Options options, LayerArgs args);
  std::vector<Tensor> call(CallArgs& args) override;
  // The input, checked to have rank pool_dimensions + 2.
  const Tensor& checked_input(const CallArgs& args) const;
  std::vector<std::int64_t> spatial_axes() const;

 private:
  Mode mode_;
  std::size_t pool_dimensions_;
  Options options_;
};

class GlobalMaxPooling1D : public BaseGlobalPooling {
 public:
  GlobalMaxPooling1D(Options options, LayerArgs args);
  static std::shared_ptr<GlobalMaxPooling1D> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
};

class GlobalMaxPooling2D : public BaseGlobalPooling {
 public:
  GlobalMaxPooling2D(Options options, LayerArgs args);
  static std::shared_ptr<GlobalMaxPooling2D> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
};

class GlobalMaxPooling3D : public BaseGlobalPooling {
 public:
  GlobalMaxPooling3D(Options options, LayerArgs args);
  static std::shared_ptr<GlobalMaxPooling3D> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
};

// With a (batch, steps) mask: the mean over the unmasked steps only (a fully masked row
// gives NaN, as Keras's 0 / 0); the output carries no mask.
class GlobalAveragePooling1D : public BaseGlobalPooling {
 public:
  GlobalAveragePooling1D(Options options, LayerArgs args);
  static std::shared_ptr<GlobalAveragePooling1D> from_config(const boost::json::object& config,
                                                             DeserializationContext& context);
  bool supports_masking() const override { return true; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

class GlobalAveragePooling2D : public BaseGlobalPooling {
 public:
  GlobalAveragePooling2D(Options options, LayerArgs args);
  static std::shared_ptr<GlobalAveragePooling2D> from_config(const boost::json::object& config,
                                                             DeserializationContext& context);
};

class GlobalAveragePooling3D : public BaseGlobalPooling {
 public:
  GlobalAveragePooling3D(Options options, LayerArgs args);
  static std::shared_ptr<GlobalAveragePooling3D> from_config(const boost::json::object& config,
                                                             DeserializationContext& context);
};

}  // namespace kplug::layers

#pragma GCC visibility pop
