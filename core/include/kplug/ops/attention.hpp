// Attention kernels built on softmax: a masked softmax as Keras's Softmax layer computes it
// and the causal (lower-triangular) and sliding-window (band) masks.
#pragma once

#include "kplug/ops/reduce.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)

namespace kplug::ops {

// Softmax of x over `axes` (several axes: exp(x - logsumexp(x, axes))). With a mask
// (bool, or float where > 0.5 keeps; broadcast against x), masked positions take -1e9
// first (Keras's large negative number for float32) and, with `zero_masked`, are zero in
// the result (a fully masked row then gives zeros instead of a uniform distribution).
Tensor masked_softmax(const Tensor& x, const Tensor* mask, const Axes& axes, bool zero_masked);

// (1, t, s) float 0/1: 1 where the query position i may attend key position j (j <= i).
Tensor causal_mask(std::int64_t t, std::int64_t s);

// (1, t, s) float 0/1: 1 where |i - j| < window, the symmetric band of Keras's
// sliding_window attention (ANDed with causal_mask for the causal sliding window).
Tensor sliding_window_mask(std::int64_t t, std::int64_t s, std::int64_t window);

}  // namespace kplug::ops

#pragma GCC visibility pop
