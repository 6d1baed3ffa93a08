// A convolution prepared once for repeated calls (a layer's, or a fused chain of a model's
// plan): the kernel reordered once into the layout oneDNN's kernel prefers, the primitive
// created once per input shape, bias and element-wise functions (and a residual sum) applied
// by the primitive as it writes its output (oneDNN post-ops).
//   x (batch, spatial..., channels), 1 to 3 spatial axes, channels last
//   kernel (k..., in_channels / groups, filters) as ops::conv's, or with `depthwise`
//   (k..., in_channels, depth_multiplier) as ops::depthwise_conv's, or made by transposed()
//   (k..., filters, in_channels) as ops::conv_transpose's (oneDNN's deconvolution)
#pragma once

#include "kplug/ops/conv.hpp"
#include "kplug/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// What the primitive applies to conv + bias before writing it, in order.
struct ConvPostOp {
  enum class Kind {
    relu,      // x >= 0 ? x : alpha * x (Keras's relu with negative_slope alpha)
    clip,      // min(max(x, alpha), beta) (relu capped at max_value: relu6)
    sum,       // + run()'s residual (a residual Add)
    logistic,  // sigmoid
    tanh,
    swish,     // x * sigmoid(x): Keras's silu
    elu,       // x > 0 ? x : alpha * (exp(x) - 1)
    gelu_erf,  // Keras's gelu (approximate=False)
  };
  Kind kind = Kind::relu;
  float alpha = 0.0f;
  float beta = 0.0f;
};

// The post-ops computing Keras's activation `name` ("linear": none), or nullopt when oneDNN's
// version would not match Keras's within the fixtures' tolerance (the caller applies it after).
std::optional<std::vector<ConvPostOp>> activation_post_ops(std::string_view name);
// Keras's relu(x, negative_slope, max_value, threshold) as post-ops, or nullopt (a threshold).
std::optional<std::vector<ConvPostOp>> relu_post_ops(float negative_slope, std::optional<float> max_value,
                                                     float threshold);

struct PreparedConvOptions {
  ConvNdOptions conv;  // strides, dilation, padding, groups (1 with `depthwise`)
  bool depthwise = false;
  std::vector<ConvPostOp> post_ops;  // at most one sum
  // Zeros {before, after} each spatial axis of x first (a ZeroPadding layer folded in): the
  // convolution, its "same" padding included, sees the padded input. Empty: none.
  std::vector<std::pair<std::int64_t, std::int64_t>> input_padding;
};

class PreparedConv {
 public:
  // bias: one per output channel, or null.
  PreparedConv(const Tensor& kernel, const Tensor* bias, PreparedConvOptions options);
  // conv_transpose(x, kernel, options) + bias prepared the same way; ValueError for options
  // conv_transpose refuses. No post-ops: oneDNN 2.6's deconvolution applies them (and a bias) in
  // reference loops slower than the deconvolution itself, so run_into adds the bias after it
  // and the caller applies an activation.
  static std::unique_ptr<PreparedConv> transposed(const Tensor& kernel, const Tensor* bias,
                                                  const ConvTransposeNdOptions& options);
  ~PreparedConv();
  PreparedConv(const PreparedConv&) = delete;
  PreparedConv& operator=(const PreparedConv&) = delete;

  // post_ops(conv(x, kernel) + bias). `residual` (the output's shape) is what the sum post-op
  // adds, required with one. Thread-safe; the first call with a new input shape creates its
  // primitive (a few are kept).
  Tensor run(const Tensor& x, const Tensor* residual = nullptr) const;
  std::int64_t output_channels() const;

  // What an execution plan's step runs (kplug/layers/inference_step.hpp): the output shape and
  // the scratch run_into needs for inputs of shape x (ValueError as run() for inputs it cannot
  // take), and run() on caller storage. `out` holds output_shape(x) floats, and with a sum
  // post-op the residual it adds. A workspace smaller than needed (a call with more threads than
  // when it was sized) is replaced by a temporary one.
  Shape output_shape(const Shape& x) const;
  std::size_t workspace_bytes(const Shape& x) const;
  void run_into(const float* x, const Shape& x_shape, float* out, std::span<std::byte> workspace) const;

 private:
  struct Impl;
  struct Key {  // only PreparedConv's own factories can name it
    explicit Key() = default;
  };
  std::unique_ptr<Impl> impl_;

 public:
  PreparedConv(Key, std::unique_ptr<Impl> impl);
};

// A batch normalization folded into the convolution before it: kernel * s per output channel and
// (bias - mean) * s + beta, s = gamma / sqrt(variance + epsilon). The output channel is the
// kernel's last axis (with `depthwise`, its last two flattened). gamma, beta, bias: null = none.
struct FoldedConv {
  Tensor kernel, bias;
};
FoldedConv fold_batch_normalization(const Tensor& kernel, const Tensor* bias, const Tensor& mean,
                                    const Tensor& variance, const Tensor* gamma, const Tensor* beta, float epsilon,
                                    bool depthwise);

// The PreparedConv made from some source tensors (kernel, bias, a folded batch norm's), made
// again when one of them no longer shares the buffer it was made from (set_weights): as
// DerivedTensorCache. Thread-safe; a copy starts empty.
class PreparedConvCache {
 public:
  PreparedConvCache() = default;
  PreparedConvCache(const PreparedConvCache&) {}
  PreparedConvCache& operator=(const PreparedConvCache&) { return *this; }

  std::shared_ptr<const PreparedConv> get(const std::vector<Tensor>& sources,
                                          const std::function<std::unique_ptr<PreparedConv>()>& make) const;

 private:
  mutable std::mutex mutex_;
  mutable std::vector<Tensor> sources_;
  mutable std::shared_ptr<const PreparedConv> conv_;
};

}  // namespace kplug::ops
#pragma GCC visibility pop
