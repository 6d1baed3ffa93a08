// A convolution and the layers around it that a model's plan runs as one ops::PreparedConv: a
// ZeroPadding before it folded into its padding, a Conv / DepthwiseConv layer, then a
// BatchNormalization folded into its kernel and bias, activation layers (Activation, ReLU)
// and one residual Add as oneDNN post-ops, and layers that are the identity at inference
// (Dropout, GaussianNoise, ...) left out. The layers keep their weights and configs: fusing is
// how the model runs them, nothing else. Private to core/src/models.
#pragma once

#include "kplug/layers/inference_step.hpp"
#include "kplug/layers/layer.hpp"
#include "kplug/ops/prepared_conv.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace kplug::conv_fusion {

class FusedConv {
 public:
  // A chain of `conv` alone, or null when it cannot head one: not a built Conv or
  // DepthwiseConv (of any rank), channels_first, an activity regularizer, an activation
  // oneDNN does not fuse.
  static std::unique_ptr<FusedConv> start(const Layer& conv);

  // Appends `next`, the only reader of the chain's output, when it folds or fuses (false: the
  // chain ends before it). `add` marks an Add of the chain's output and one other tensor.
  bool absorb(const Layer& next, bool add);
  // Folds `padding`, a ZeroPadding layer whose output only the convolution reads, into the
  // convolution's own padding (false: it does not fold: another rank, channels_first, or a
  // padding already folded).
  bool absorb_padding(const Layer& padding);
  bool adds_residual() const noexcept { return residual_; }

  // The chain on x, the convolution's input; `residual` is the Add's other tensor.
  Tensor run(const Tensor& x, const Tensor* residual) const;
  // The chain as an execution plan's step on inputs x (and the residual), or null.
  std::unique_ptr<InferenceStep> plan_step(const std::vector<TensorSpec>& inputs) const;

 private:
  struct BatchNorm {
    VariablePtr mean, variance, gamma, beta;
    float epsilon = 0.0f;
  };
  FusedConv() = default;
  std::vector<Tensor> sources() const;
  std::unique_ptr<ops::PreparedConv> make() const;

  ops::PreparedConvOptions conv_;  // post-ops: the conv's activation, then the absorbed ones
  VariablePtr kernel_, bias_;
  std::optional<BatchNorm> batch_norm_;
  bool residual_ = false;
  ops::PreparedConvCache cache_;
};

// Whether a model may run fused chains in this call: inference without masks.
inline bool may_fuse(bool training, bool any_mask) { return !training && !any_mask; }

}  // namespace kplug::conv_fusion
