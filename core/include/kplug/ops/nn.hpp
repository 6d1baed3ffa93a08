// Neural-network kernels beyond convolution (ops/conv.hpp) and pooling (ops/pooling.hpp):
// the softmax family, L2 normalisation and moments.
#pragma once

#include "kplug/ops/reduce.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// Along `axis`, shifted by the max; NaN propagates; an empty axis gives an empty result.
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);

// tf.nn.l2_normalize: x / sqrt(max(sum(x^2 over axes), epsilon)).
Tensor l2_normalize(const Tensor& x, const Axes& axes, float epsilon = 1e-12f);

// tf.nn.moments: the mean over `axes` and the variance as the mean of squared deviations
// (two passes: no E[x^2] - E[x]^2 cancellation).
struct Moments {
  Tensor mean, variance;
};
Moments moments(const Tensor& x, const Axes& axes, bool keepdims = false);

}  // namespace kplug::ops
#pragma GCC visibility pop
