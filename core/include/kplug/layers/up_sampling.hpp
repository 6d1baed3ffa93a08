// keras.layers UpSampling2D and UpSampling3D (UpSampling1D is in reshaping.hpp).
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/layers/layer.hpp"

#include <memory>
#include <string>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Rows and columns scaled by `size`: repeated (nearest) or resampled (bilinear, bicubic,
// lanczos3, lanczos5 through ops::resize, as Keras's ops.image.resize).
class UpSampling2D : public Layer {
 public:
  struct Options {
    config::IntTuple<2> size{2};
    std::string data_format = "channels_last";
    std::string interpolation = "nearest";
  };
  UpSampling2D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<UpSampling2D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Each of the three spatial axes repeated `size` times.
class UpSampling3D : public Layer {
 public:
  struct Options {
    config::IntTuple<3> size{2};
    std::string data_format = "channels_last";
  };
  UpSampling3D(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<UpSampling3D> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  const Options& options() const noexcept { return options_; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
