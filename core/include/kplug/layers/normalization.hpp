// keras.layers normalization layers (keras/src/layers/normalization/): LayerNormalization,
// BatchNormalization (inference), UnitNormalization, RMSNormalization, GroupNormalization.
#pragma once

#include "kplug/config_fields.hpp"
#include "kplug/constraints.hpp"
#include "kplug/initializers.hpp"
#include "kplug/layers/fields_layer.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/number.hpp"
#include "kplug/regularizers.hpp"

#include <boost/json/value.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::layers {

// gamma (the scale) and beta (the center) of a normalization layer.
struct BetaGammaOptions {
  std::shared_ptr<Initializer> beta_initializer = std::make_shared<initializers::Zeros>();
  std::shared_ptr<Initializer> gamma_initializer = std::make_shared<initializers::Ones>();
  std::shared_ptr<Regularizer> beta_regularizer, gamma_regularizer;
  std::shared_ptr<Constraint> beta_constraint, gamma_constraint;
};

// The beta/gamma keys in Keras's order: initializers (then `more_initializers`),
// regularizers, constraints. A null initializer is Keras's default.
template <class Options>
requires std::derived_from<Options, BetaGammaOptions> config::Fields<Options> beta_gamma_fields(
    const config::Fields<Options>& more_initializers = {}) {
  using config::field;
  using B = BetaGammaOptions;
  const config::Fields<Options> initializers =
      config::Fields<B>{field("beta_initializer", &B::beta_initializer).null_is_default(),
                        field("gamma_initializer", &B::gamma_initializer).null_is_default()};
  const config::Fields<Options> rest = config::Fields<B>{
      field("beta_regularizer", &B::beta_regularizer), field("gamma_regularizer", &B::gamma_regularizer),
      field("beta_constraint", &B::beta_constraint), field("gamma_constraint", &B::gamma_constraint)};
  return initializers + more_initializers + rest;
}

// The base of a layer with gamma and beta weights of one shape, as `scale` and `center` ask.
template <class Derived, class OptionsT>
class BetaGammaLayer : public FieldsLayer<Derived, OptionsT> {
 public:
  BetaGammaLayer(OptionsT options, LayerArgs args)
      : FieldsLayer<Derived, OptionsT>(std::move(options), std::move(args)) {}

 protected:
  void add_gamma_beta(const Shape& shape, bool gamma, bool beta) {
    const OptionsT& o = this->options_;
    if (gamma)
      gamma_ = this->add_weight({"gamma", shape, o.gamma_initializer, o.gamma_regularizer, o.gamma_constraint, true});
    if (beta)
      beta_ = this->add_weight({"beta", shape, o.beta_initializer, o.beta_regularizer, o.beta_constraint, true});
  }

  VariablePtr gamma_, beta_;
};

struct LayerNormalizationOptions : BetaGammaOptions {
  std::vector<std::int64_t> axis{-1};
  bool axis_is_list = false;  // Keras writes back what it was given after build: a list
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  bool rms_scaling = false;
};

// Normalizes over `axis` (mean and variance, or only the variance with
// rms_scaling), then scales by gamma and shifts by beta.
class LayerNormalization : public BetaGammaLayer<LayerNormalization, LayerNormalizationOptions> {
 public:
  // Its own config keys, in Keras's get_config order.
  static const config::Fields<Options>& fields();
  using BetaGammaLayer::BetaGammaLayer;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }
  // Over the trailing axes (the usual case), without rms_scaling.
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

struct BatchNormalizationOptions : BetaGammaOptions {
  std::int64_t axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  std::shared_ptr<Initializer> moving_mean_initializer = std::make_shared<initializers::Zeros>();
  std::shared_ptr<Initializer> moving_variance_initializer = std::make_shared<initializers::Ones>();
  bool synchronized = false;  // training-only (inference is the same)
  bool renorm = false;
  boost::json::value renorm_clipping = nullptr;
  Number renorm_momentum = Number::real(0.99);
};

// Inference form: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta along
// `axis`. Weights: gamma (scale), beta (center), then the non-trainable moving_mean and
// moving_variance. `renorm` is not supported (a NotSupportedError naming the key).
class BatchNormalization : public BetaGammaLayer<BatchNormalization, BatchNormalizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  BatchNormalization(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::unique_ptr<InferenceStep> plan_inference(const std::vector<TensorSpec>& inputs) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr moving_mean_, moving_variance_;
};

struct UnitNormalizationOptions {
  std::vector<std::int64_t> axis{-1};
  bool axis_is_list = false;
};

// x / max(||x||, 1e-12) (L2 over `axis`: an int or a list).
class UnitNormalization : public FieldsLayer<UnitNormalization, UnitNormalizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  UnitNormalization(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  std::vector<Tensor> call(CallArgs& args) override;
};

struct RMSNormalizationOptions {
  std::vector<std::int64_t> axis{-1};
  bool axis_is_list = false;
  Number epsilon = Number::real(1e-6);
};

// x * rsqrt(mean(x^2 over axis) + epsilon) * scale; Keras holds (and writes) `axis` as a
// sorted list once built. Weight: scale, of the input's dimensions on those axes.
class RMSNormalization : public FieldsLayer<RMSNormalization, RMSNormalizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  using FieldsLayer::FieldsLayer;
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  VariablePtr scale_;
};

struct GroupNormalizationOptions : BetaGammaOptions {
  std::int64_t groups = 32;
  std::int64_t axis = -1;
  Number epsilon = Number::real(1e-3);
  bool center = true;
  bool scale = true;
};

// Splits `axis` into `groups` and normalizes each group over it and every non-batch axis
// (moments as Keras: E[x^2] - E[x]^2), then gamma and beta per channel. groups = -1 means
// one group per channel (written back as that count after build, as Keras).
class GroupNormalization : public BetaGammaLayer<GroupNormalization, GroupNormalizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  GroupNormalization(Options options, LayerArgs args);
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  bool supports_masking() const override { return true; }

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;
};

struct SpectralNormalizationOptions {
  LayerPtr layer;  // the wrapped layer: one with a `kernel` (Dense, Conv2D, ...) or `embeddings`
  std::int64_t power_iterations = 1;
};

// Keras's SpectralNormalization wrapper. At inference it runs the wrapped layer with its
// stored kernel; with training=true it first divides the kernel by its spectral norm,
// estimated by `power_iterations` power iterations from `vector_u`, and stores both (as
// Keras). Own weights: the wrapped layer's kernel, then vector_u (1, kernel.shape[-1]).
class SpectralNormalization : public FieldsLayer<SpectralNormalization, SpectralNormalizationOptions> {
 public:
  static const config::Fields<Options>& fields();
  SpectralNormalization(Options options, LayerArgs args);
  const LayerPtr& layer() const noexcept { return options_.layer; }
  std::vector<PartialShape> compute_output_shape(const std::vector<PartialShape>& input_shapes) const override;
  std::vector<LayerAttribute> layer_attributes() const override;

 protected:
  void build(const std::vector<PartialShape>& input_shapes) override;
  std::vector<Tensor> call(CallArgs& args) override;

 private:
  void normalize_kernel();  // Keras's normalized_weights, assigned

  VariablePtr kernel_, vector_u_;
};

}  // namespace kplug::layers

#pragma GCC visibility pop
