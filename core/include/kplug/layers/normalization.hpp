// keras.layers normalization layers.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/regularizers.hpp"

#include <memory>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// Normalizes over `axis` (mean and variance, or only the variance with
// rms_scaling), then scales by gamma and shifts by beta.
class LayerNormalization : public Layer {
 public:
  struct Options {
    std::vector<std::int64_t> axis{-1};
    bool axis_is_list = false;  // Keras writes back what it was given after build: a list
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    bool rms_scaling = false;
    std::shared_ptr<Initializer> beta_initializer, gamma_initializer;  // null: Zeros / Ones
    std::shared_ptr<Regularizer> beta_regularizer, gamma_regularizer;
    std::shared_ptr<Constraint> beta_constraint, gamma_constraint;
  };
  // Its own config keys, in Keras's get_config order.
  static const config::Fields<Options>& fields();
  LayerNormalization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<LayerNormalization> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr gamma_, beta_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop

// ---- BatchNormalization, UnitNormalization, RMSNormalization, GroupNormalization
// (layer catalogue) ----

#include "kplug/number.hpp"

#include <optional>

#pragma GCC visibility push(default)

namespace kplug::layers {

// Inference form: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta along
// `axis`. Weights: gamma (scale), beta (center), then the non-trainable moving_mean and
// moving_variance. `renorm` is not supported (a NotSupportedError naming the key).
class BatchNormalization : public Layer {
 public:
  struct Options {
    std::int64_t axis = -1;
    double momentum = 0.99;
    double epsilon = 1e-3;
    bool center = true;
    bool scale = true;
    std::shared_ptr<Initializer> beta_initializer, gamma_initializer;                   // null: Zeros / Ones
    std::shared_ptr<Initializer> moving_mean_initializer, moving_variance_initializer;  // null: Zeros / Ones
    std::shared_ptr<Regularizer> beta_regularizer, gamma_regularizer;
    std::shared_ptr<Constraint> beta_constraint, gamma_constraint;
    bool synchronized = false;  // training-only (inference is the same)
    bool renorm = false;
    boost::json::value renorm_clipping = nullptr;
    Number renorm_momentum = Number::real(0.99);
  };
  static const config::Fields<Options>& fields();
  BatchNormalization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<BatchNormalization> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr gamma_, beta_, moving_mean_, moving_variance_;
};

// x / max(||x||, 1e-12) (L2 over `axis`: an int or a list).
class UnitNormalization : public Layer {
 public:
  struct Options {
    std::vector<std::int64_t> axis{-1};
    bool axis_is_list = false;
  };
  static const config::Fields<Options>& fields();
  UnitNormalization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<UnitNormalization> from_config(const boost::json::object& config,
                                                        DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
};

// x * rsqrt(mean(x^2 over axis) + epsilon) * scale; Keras holds (and writes) `axis` as a
// sorted list once built. Weight: scale, of the input's dimensions on those axes.
class RMSNormalization : public Layer {
 public:
  struct Options {
    std::vector<std::int64_t> axis{-1};
    bool axis_is_list = false;
    Number epsilon = Number::real(1e-6);
  };
  static const config::Fields<Options>& fields();
  RMSNormalization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<RMSNormalization> from_config(const boost::json::object& config,
                                                       DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr scale_;
};

// Splits `axis` into `groups` and normalizes each group over it and every non-batch axis
// (moments as Keras: E[x^2] - E[x]^2), then gamma and beta per channel. groups = -1 means
// one group per channel (written back as that count after build, as Keras).
class GroupNormalization : public Layer {
 public:
  struct Options {
    std::int64_t groups = 32;
    std::int64_t axis = -1;
    Number epsilon = Number::real(1e-3);
    bool center = true;
    bool scale = true;
    std::shared_ptr<Initializer> beta_initializer, gamma_initializer;  // null: Zeros / Ones
    std::shared_ptr<Regularizer> beta_regularizer, gamma_regularizer;
    std::shared_ptr<Constraint> beta_constraint, gamma_constraint;
  };
  static const config::Fields<Options>& fields();
  GroupNormalization(Options options, LayerArgs args);
  boost::json::object get_config() const override;
  static std::shared_ptr<GroupNormalization> from_config(const boost::json::object& config,
                                                         DeserializationContext& context);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  Options options_;
  VariablePtr gamma_, beta_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
