// keras.layers pooling layers (keras/src/layers/pooling/): Max/AveragePooling1D/2D/3D
// (Keras's BasePooling), GlobalMax/GlobalAveragePooling1D/2D/3D (BaseGlobalPooling) and
// AdaptiveMax/AdaptiveAveragePooling1D/2D/3D (BaseAdaptivePooling), each a template over the
// number of spatial axes and the mode. No weights; built at
// construction, as Keras builds them.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

enum class PoolingMode { max, average };

// The Keras class name of one pooling layer: names[mode][rank - 1].
template <std::size_t Rank, PoolingMode Mode>
constexpr std::string_view pooling_name(std::array<std::string_view, 3> max_names,
                                        std::array<std::string_view, 3> average_names) {
  static_assert(Rank >= 1 && Rank <= 3, "1, 2 or 3 spatial axes");
  return Mode == PoolingMode::max ? max_names[Rank - 1] : average_names[Rank - 1];
}

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
template <std::size_t Rank, PoolingMode Mode>
class BasePooling : public FieldsLayer<BasePooling<Rank, Mode>, PoolingOptions<Rank>> {
 public:
  using Options = PoolingOptions<Rank>;
  static constexpr std::string_view keras_class_name = pooling_name<Rank, Mode>(
      {"MaxPooling1D", "MaxPooling2D", "MaxPooling3D"}, {"AveragePooling1D", "AveragePooling2D", "AveragePooling3D"});
  static const config::Fields<Options>& fields();
  BasePooling(Options options, LayerArgs args);  // strides resolved (none: pool_size)
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using MaxPooling1D = BasePooling<1, PoolingMode::max>;
using MaxPooling2D = BasePooling<2, PoolingMode::max>;
using MaxPooling3D = BasePooling<3, PoolingMode::max>;
using AveragePooling1D = BasePooling<1, PoolingMode::average>;
using AveragePooling2D = BasePooling<2, PoolingMode::average>;
using AveragePooling3D = BasePooling<3, PoolingMode::average>;

// Keras's BaseGlobalPooling arguments.
struct GlobalPoolingOptions {
  std::string data_format = "channels_last";  // or "channels_first"
  bool keepdims = false;
};

// The max or mean over every spatial axis of a rank-(Rank + 2) input:
// (batch, spatial..., channels) -> (batch, channels), or (batch, 1..., channels) with
// keepdims (channels_first: (batch, channels, spatial...) -> (batch, channels[, 1...])).
// GlobalAveragePooling1D takes a (batch, steps) mask: the mean over the unmasked steps
// only (a fully masked row gives NaN, as Keras's 0 / 0). No output carries a mask.
template <std::size_t Rank, PoolingMode Mode>
class BaseGlobalPooling : public FieldsLayer<BaseGlobalPooling<Rank, Mode>, GlobalPoolingOptions> {
 public:
  using Options = GlobalPoolingOptions;
  static constexpr std::string_view keras_class_name =
      pooling_name<Rank, Mode>({"GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"},
                               {"GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"});
  static const config::Fields<Options>& fields();
  BaseGlobalPooling(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return Rank == 1 && Mode == PoolingMode::average; }
  std::vector<std::optional<Tensor>> compute_mask(const CallArgs& args,
                                                  const std::vector<Tensor>& outputs) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using GlobalMaxPooling1D = BaseGlobalPooling<1, PoolingMode::max>;
using GlobalMaxPooling2D = BaseGlobalPooling<2, PoolingMode::max>;
using GlobalMaxPooling3D = BaseGlobalPooling<3, PoolingMode::max>;
using GlobalAveragePooling1D = BaseGlobalPooling<1, PoolingMode::average>;
using GlobalAveragePooling2D = BaseGlobalPooling<2, PoolingMode::average>;
using GlobalAveragePooling3D = BaseGlobalPooling<3, PoolingMode::average>;

// Keras's BaseAdaptivePooling arguments: the output's size along each spatial axis.
template <std::size_t Rank>
struct AdaptivePoolingOptions {
  config::IntTuple<Rank> output_size{1};      // required in a config; an int means every axis
  std::string data_format = "channels_last";  // or "channels_first"
};

// Each spatial axis of length n pooled to output_size o: output i covers the input positions
// [floor(i * n / o), ceil((i + 1) * n / o)), so o may be larger than n.
template <std::size_t Rank, PoolingMode Mode>
class BaseAdaptivePooling : public FieldsLayer<BaseAdaptivePooling<Rank, Mode>, AdaptivePoolingOptions<Rank>> {
 public:
  using Options = AdaptivePoolingOptions<Rank>;
  static constexpr std::string_view keras_class_name =
      pooling_name<Rank, Mode>({"AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"},
                               {"AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D"});
  static const config::Fields<Options>& fields();
  BaseAdaptivePooling(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using AdaptiveMaxPooling1D = BaseAdaptivePooling<1, PoolingMode::max>;
using AdaptiveMaxPooling2D = BaseAdaptivePooling<2, PoolingMode::max>;
using AdaptiveMaxPooling3D = BaseAdaptivePooling<3, PoolingMode::max>;
using AdaptiveAveragePooling1D = BaseAdaptivePooling<1, PoolingMode::average>;
using AdaptiveAveragePooling2D = BaseAdaptivePooling<2, PoolingMode::average>;
using AdaptiveAveragePooling3D = BaseAdaptivePooling<3, PoolingMode::average>;

}  // namespace kplug::layers

#pragma GCC visibility pop
