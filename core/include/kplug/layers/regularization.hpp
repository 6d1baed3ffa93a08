// keras.layers regularization layers (keras/src/layers/regularization/): Dropout,
// SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and
// ActivityRegularization. All are the identity at inference; the random noise they draw in
// training is not supported.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/elementwise_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/seed.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// "Layer 'x': Dropout in training mode is not supported (kplug runs inference)".
[[noreturn]] void refuse_training(const Layer& layer);

// Identity at inference; in training with a nonzero `Derived::noise_rate()`, refused.
template <class Derived, class OptionsT>
class NoiseLayer : public ElementwiseLayer<Derived, OptionsT> {
 public:
  using ElementwiseLayer<Derived, OptionsT>::ElementwiseLayer;
  // The identity: the plan gives the output its input's storage.
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override {
    return inputs.size() == 1 ? std::make_unique<ViewStep>(inputs[0]) : nullptr;
  }

 protected:
  std::vector<Tensor> call(CallArgs& args) override {
    this->expect_inputs(args, 1);
    if (args.training && static_cast<const Derived&>(*this).noise_rate() > 0.0) refuse_training(*this);
    return {std::move(args.inputs[0])};
  }
};

struct DropoutOptions {
  double rate = 0.0;  // in [0, 1]
  std::optional<Seed> seed{};
  std::optional<std::vector<Dim>> noise_shape{};
};

class Dropout : public NoiseLayer<Dropout, DropoutOptions> {
 public:
  static const config::Fields<Options>& fields();
  Dropout(Options options, LayerArgs args);
  double noise_rate() const noexcept { return options_.rate; }
};

struct SpatialDropoutOptions {
  Number rate = Number::real(0.0);  // in [0, 1]
  std::optional<Seed> seed;
  std::string data_format = "channels_last";  // 2 and 3 axes only
};

// Drops whole channels of a rank-(Rank + 2) input in training. Keras writes only rate,
// seed, name, dtype (as a dtype name), and data_format for 2D/3D, and takes no `trainable`
// key.
template <std::size_t Rank>
class SpatialDropout : public NoiseLayer<SpatialDropout<Rank>, SpatialDropoutOptions> {
 public:
  using Options = SpatialDropoutOptions;
  static constexpr std::string_view keras_class_name =
      std::array<std::string_view, 3>{"SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"}[Rank - 1];
  static const config::Fields<Options>& fields();
  SpatialDropout(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  double noise_rate() const noexcept { return this->options_.rate.value; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

// The Keras classes (instantiated in libkplug).
using SpatialDropout1D = SpatialDropout<1>;
using SpatialDropout2D = SpatialDropout<2>;
using SpatialDropout3D = SpatialDropout<3>;

struct GaussianNoiseOptions {
  Number stddev = Number::real(0.0);  // in [0, 1]
  std::optional<Seed> seed;
};

// Adds N(0, stddev) noise in training.
class GaussianNoise : public NoiseLayer<GaussianNoise, GaussianNoiseOptions> {
 public:
  static const config::Fields<Options>& fields();
  GaussianNoise(Options options, LayerArgs args);
  double noise_rate() const noexcept { return options_.stddev.value; }
};

struct GaussianDropoutOptions {
  Number rate = Number::real(0.0);  // in [0, 1]
  std::optional<Seed> seed;
};

// Multiplies by N(1, sqrt(rate / (1 - rate))) noise in training.
class GaussianDropout : public NoiseLayer<GaussianDropout, GaussianDropoutOptions> {
 public:
  static const config::Fields<Options>& fields();
  GaussianDropout(Options options, LayerArgs args);
  double noise_rate() const noexcept { return options_.rate.value; }
};

struct AlphaDropoutOptions {
  Number rate = Number::real(0.0);  // in [0, 1]
  std::optional<Seed> seed;
  std::optional<std::vector<std::optional<std::int64_t>>> noise_shape;
};

// SELU-preserving dropout in training.
class AlphaDropout : public NoiseLayer<AlphaDropout, AlphaDropoutOptions> {
 public:
  static const config::Fields<Options>& fields();
  AlphaDropout(Options options, LayerArgs args);
  double noise_rate() const noexcept { return options_.rate.value; }
};

struct ActivityRegularizationOptions {
  Number l1 = Number::real(0.0);
  Number l2 = Number::real(0.0);
};

// Returns its input and records l1 * sum(|y|) + l2 * sum(y^2) of it in losses(), through
// an L1L2 activity regularizer (which its config does not list).
class ActivityRegularization : public NoiseLayer<ActivityRegularization, ActivityRegularizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  ActivityRegularization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  double noise_rate() const noexcept { return 0.0; }  // no noise: the identity in training too
};

}  // namespace kplug::layers

#pragma GCC visibility pop
