// keras.layers reshaping layers.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/layer.hpp"

#include <memory>
#include <string>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// (batch, ...) -> (batch, prod(...)); channels_first moves the channel axis last first.
class Flatten : public Layer {
 public:
  Flatten(std::string data_format, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Flatten> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  std::string data_format_;
};

// Repeats each step `size` times: (batch, steps, features) -> (batch, steps * size, features).
class UpSampling1D : public Layer {
 public:
  struct Options {
    std::int64_t size = 2;
  };
  UpSampling1D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<UpSampling1D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Zeros added before and after the steps axis of (batch, steps, features) (channels_first:
// (batch, features, steps)).
class ZeroPadding1D : public Layer {
 public:
  struct Options {
    config::IntTuple<2> padding{1};  // (before, after); an integer pads both sides
    std::string data_format = "channels_last";
  };
  ZeroPadding1D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<ZeroPadding1D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop

// ---- Reshape, Permute, RepeatVector, Cropping1D/2D/3D (layer catalogue) ----

#include "kplug/config_fields.hpp"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)

namespace kplug::layers {

// (batch, ...) -> (batch, *target_shape); one entry may be -1 (inferred).
class Reshape : public Layer {
 public:
  struct Options {
    std::vector<std::int64_t> target_shape;
  };
  static const config::Fields<Options>& fields();
  Reshape(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Reshape> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Permutes the non-batch axes: `dims` is a permutation of 1..rank-1.
class Permute : public Layer {
 public:
  struct Options {
    std::vector<std::int64_t> dims;
  };
  static const config::Fields<Options>& fields();
  Permute(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Permute> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// (batch, features) -> (batch, n, features).
class RepeatVector : public Layer {
 public:
  struct Options {
    std::int64_t n = 0;
  };
  static const config::Fields<Options>& fields();
  RepeatVector(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<RepeatVector> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Crops (before, after) elements off each spatial axis: 1 axis (batch, axis, features),
// 2 or 3 axes channels_last or channels_first.
template <std::size_t N>
struct CroppingOptions {
  std::array<std::pair<std::int64_t, std::int64_t>, N> cropping{};
  std::string data_format = "channels_last";
};

class Cropping1D : public Layer {
 public:
  using Options = CroppingOptions<1>;
  static const config::Fields<Options>& fields();
  Cropping1D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Cropping1D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

class Cropping2D : public Layer {
 public:
  using Options = CroppingOptions<2>;
  static const config::Fields<Options>& fields();
  Cropping2D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Cropping2D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

class Cropping3D : public Layer {
 public:
  using Options = CroppingOptions<3>;
  static const config::Fields<Options>& fields();
  Cropping3D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Cropping3D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop

// ---- ZeroPadding2D/3D ----

#pragma GCC visibility push(default)

namespace kplug::layers {

// Zeros (before, after) each of the N spatial axes of (batch, spatial..., channels)
// (channels_first: (batch, channels, spatial...)). Config: an int (every side), N ints
// (symmetric per axis) or N pairs; written as N pairs, as Keras.
template <std::size_t N>
struct ZeroPaddingOptions {
  std::array<std::pair<std::int64_t, std::int64_t>, N> padding = filled({1, 1});
  std::string data_format = "channels_last";

  static constexpr std::array<std::pair<std::int64_t, std::int64_t>, N> filled(
      std::pair<std::int64_t, std::int64_t> p) {
    std::array<std::pair<std::int64_t, std::int64_t>, N> a{};
    a.fill(p);
    return a;
  }
};

template <std::size_t N>
class BaseZeroPadding : public Layer {
 public:
  using Options = ZeroPaddingOptions<N>;
  static const config::Fields<Options>& fields();
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  BaseZeroPadding(Options options, LayerArgs args);
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

extern template class BaseZeroPadding<2>;
extern template class BaseZeroPadding<3>;

class ZeroPadding2D : public BaseZeroPadding<2> {
 public:
  ZeroPadding2D(Options options, LayerArgs args);
  static std::shared_ptr<ZeroPadding2D> from_config(const boost::json::object& config, DeserializationContext& context);
};

class ZeroPadding3D : public BaseZeroPadding<3> {
 public:
  ZeroPadding3D(Options options, LayerArgs args);
  static std::shared_ptr<ZeroPadding3D> from_config(const boost::json::object& config, DeserializationContext& context);
};

}  // namespace kplug::layers

#pragma GCC visibility pop
