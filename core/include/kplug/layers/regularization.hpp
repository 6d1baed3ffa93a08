// keras.layers regularization layers: identity at inference.
#pragma once

#include "kplug/layers/layer.hpp"
#include "kplug/seed.hpp"

#include <memory>
#include <optional>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

class Dropout : public Layer {
 public:
  struct Options {
    double rate = 0.0;
    std::optional<Seed> seed{};
    std::optional<std::vector<Dim>> noise_shape{};
  };
  Dropout(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<Dropout> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  // Identity at inference; training mode is not supported.
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop

// ---- SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout,
// ActivityRegularization (layer catalogue): identity at inference ----

#include "kplug/config_fields.hpp"
#include "kplug/number.hpp"

#include <string>

#pragma GCC visibility push(default)

namespace kplug::layers {

// Drops whole channels in training. Keras writes only rate, seed, name, dtype (as a dtype
// name), and data_format for 2D/3D, and takes no `trainable` key.
class SpatialDropout : public Layer {
 public:
  struct Options {
    Number rate = Number::real(0.0);
    std::optional<Seed> seed;
    std::string data_format = "channels_last";
  };
  boost::json::object get_config() const override;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  SpatialDropout(Options options, LayerArgs args, std::int64_t rank, bool has_data_format);
  template <class T>
  static std::shared_ptr<T> read(const boost::json::object& config, DeserializationContext& context,
                                 const char* class_name, bool has_data_format);
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  std::int64_t rank_;
  bool has_data_format_;
};

class SpatialDropout1D : public SpatialDropout {
 public:
  SpatialDropout1D(Options options, LayerArgs args);
  static std::shared_ptr<SpatialDropout1D> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
};

class SpatialDropout2D : public SpatialDropout {
 public:
  SpatialDropout2D(Options options, LayerArgs args);
  static std::shared_ptr<SpatialDropout2D> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
};

class SpatialDropout3D : public SpatialDropout {
 public:
  SpatialDropout3D(Options options, LayerArgs args);
  static std::shared_ptr<SpatialDropout3D> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
};

// Adds N(0, stddev) noise in training.
class GaussianNoise : public Layer {
 public:
  struct Options {
    Number stddev = Number::real(0.0);  // in [0, 1]
    std::optional<Seed> seed;
  };
  static const config::Fields<Options>& fields();
  GaussianNoise(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<GaussianNoise> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Multiplies by N(1, sqrt(rate / (1 - rate))) noise in training.
class GaussianDropout : public Layer {
 public:
  struct Options {
    Number rate = Number::real(0.0);  // in [0, 1]
    std::optional<Seed> seed;
  };
  static const config::Fields<Options>& fields();
  GaussianDropout(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<GaussianDropout> from_config(const boost::json::object& config,
                                                      DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// SELU-preserving dropout in training.
class AlphaDropout : public Layer {
 public:
  struct Options {
    Number rate = Number::real(0.0);  // in [0, 1]
    std::optional<Seed> seed;
    std::optional<std::vector<std::optional<std::int64_t>>> noise_shape;
  };
  static const config::Fields<Options>& fields();
  AlphaDropout(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<AlphaDropout> from_config(const boost::json::object& config, DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// Returns its input and records l1 * sum(|y|) + l2 * sum(y^2) of it in losses(), through
// an L1L2 activity regularizer (which its config does not list).
class ActivityRegularization : public Layer {
 public:
  struct Options {
    Number l1 = Number::real(0.0);
    Number l2 = Number::real(0.0);
  };
  static const config::Fields<Options>& fields();
  ActivityRegularization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<ActivityRegularization> from_config(const boost::json::object& config,
                                                             DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
