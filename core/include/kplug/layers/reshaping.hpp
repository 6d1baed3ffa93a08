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
