// keras.layers reshaping layers (keras/src/layers/reshaping/): Flatten, Reshape, Permute,
// RepeatVector, and over 1, 2 or 3 spatial axes Cropping, ZeroPadding and UpSampling.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

struct FlattenOptions {
  std::string data_format = "channels_last";
};

// (batch, ...) -> (batch, prod(...)); channels_first moves the channel axis last first.
class Flatten : public FieldsLayer<Flatten, FlattenOptions> {
 public:
  static const config::Fields<Options>& fields();
  Flatten(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  // A view, except channels_first inputs of rank > 2 (their axes move).
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct ReshapeOptions {
  std::vector<std::int64_t> target_shape;
};

// (batch, ...) -> (batch, *target_shape); one entry may be -1 (inferred).
class Reshape : public FieldsLayer<Reshape, ReshapeOptions> {
 public:
  static const config::Fields<Options>& fields();
  Reshape(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct PermuteOptions {
  std::vector<std::int64_t> dims;
};

// Permutes the non-batch axes: `dims` is a permutation of 1..rank-1.
class Permute : public FieldsLayer<Permute, PermuteOptions> {
 public:
  static const config::Fields<Options>& fields();
  Permute(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct RepeatVectorOptions {
  std::int64_t n = 0;
};

// (batch, features) -> (batch, n, features).
class RepeatVector : public FieldsLayer<RepeatVector, RepeatVectorOptions> {
 public:
  static const config::Fields<Options>& fields();
  RepeatVector(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// (before, after) per spatial axis.
template <std::size_t N>
using SidePairs = std::array<std::pair<std::int64_t, std::int64_t>, N>;

template <std::size_t N>
constexpr SidePairs<N> same_sides(std::int64_t both) {
  SidePairs<N> a{};
  a.fill({both, both});
  return a;
}

// The Keras class name of a layer family member over N spatial axes ("Cropping" + "2D").
template <std::size_t N>
constexpr std::string_view ranked_name(std::array<std::string_view, 3> names) {
  static_assert(N >= 1 && N <= 3, "1, 2 or 3 spatial axes");
  return names[N - 1];
}

// Keras's defaults: (1, 1) for 1 and 3 axes, none cropped for 2.
template <std::size_t N>
struct CroppingOptions {
  SidePairs<N> cropping = same_sides<N>(N == 2 ? 0 : 1);
  std::string data_format = "channels_last";  // 2 and 3 axes only
};

// Crops (before, after) elements off each of N spatial axes: (batch, axis, features) for
// N = 1, else channels_last or channels_first. Config: Cropping1D an int or a pair; 2D/3D
// an int (every side), N ints (symmetric per axis) or N pairs, written as N pairs.
template <std::size_t N>
class BaseCropping : public FieldsLayer<BaseCropping<N>, CroppingOptions<N>> {
 public:
  using Options = CroppingOptions<N>;
  static constexpr std::string_view keras_class_name = ranked_name<N>({"Cropping1D", "Cropping2D", "Cropping3D"});
  static const config::Fields<Options>& fields();
  BaseCropping(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using Cropping1D = BaseCropping<1>;
using Cropping2D = BaseCropping<2>;
using Cropping3D = BaseCropping<3>;

template <std::size_t N>
struct ZeroPaddingOptions {
  SidePairs<N> padding = same_sides<N>(1);
  std::string data_format = "channels_last";
};

// Zeros (before, after) each of the N spatial axes of (batch, spatial..., channels)
// (channels_first: (batch, channels, spatial...)). Config: ZeroPadding1D an int or a pair;
// 2D/3D an int (every side), N ints (symmetric per axis) or N pairs, written as N pairs.
template <std::size_t N>
class BaseZeroPadding : public FieldsLayer<BaseZeroPadding<N>, ZeroPaddingOptions<N>> {
 public:
  using Options = ZeroPaddingOptions<N>;
  static constexpr std::string_view keras_class_name =
      ranked_name<N>({"ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"});
  static const config::Fields<Options>& fields();
  BaseZeroPadding(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using ZeroPadding1D = BaseZeroPadding<1>;
using ZeroPadding2D = BaseZeroPadding<2>;
using ZeroPadding3D = BaseZeroPadding<3>;

template <std::size_t N>
struct UpSamplingOptions {
  config::IntTuple<N> size{2};                // UpSampling1D: an int
  std::string data_format = "channels_last";  // 2 and 3 axes only
  std::string interpolation = "nearest";      // 2 axes only
};

// Each of the N spatial axes scaled by `size`: repeated (nearest, as Keras's ops.repeat),
// or for 2 axes resampled (bilinear, bicubic, lanczos3, lanczos5 through ops::resize, as
// Keras's ops.image.resize). UpSampling1D's input is (batch, steps, features).
template <std::size_t N>
class BaseUpSampling : public FieldsLayer<BaseUpSampling<N>, UpSamplingOptions<N>> {
 public:
  using Options = UpSamplingOptions<N>;
  static constexpr std::string_view keras_class_name = ranked_name<N>({"UpSampling1D", "UpSampling2D", "UpSampling3D"});
  static const config::Fields<Options>& fields();
  BaseUpSampling(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using UpSampling1D = BaseUpSampling<1>;
using UpSampling2D = BaseUpSampling<2>;
using UpSampling3D = BaseUpSampling<3>;

}  // namespace kplug::layers

#pragma GCC visibility pop
