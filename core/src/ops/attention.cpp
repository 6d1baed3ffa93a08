#include "kplug/ops/attention.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/nn.hpp"
#include "kplug/ops/normalization.hpp"

#include <algorithm>
#include <string>

namespace kplug::ops {

Tensor masked_softmax(const Tensor& x, const Tensor* mask, const Axes& axes, bool zero_masked) {
  Tensor keep;
  Tensor scores = x;
  if (mask) {
    if (mask->rank() > x.rank()) {
      throw ValueError("masked_softmax: the mask " + shape_to_string(mask->shape()) +
                       " has more dimensions than the scores " + shape_to_string(x.shape()));
    }
    keep = mask->dtype() == DType::bool_
               ? mask->astype(DType::float32)
               : map(cast(*mask, DType::float32), [](float v) { return v > 0.5f ? 1.0f : 0.0f; });
    scores = where(keep, x, Tensor::scalar(-1e9f));
  }
  const std::vector<std::int64_t> norm = normalize_axes(axes, x.rank());
  Tensor out;
  if (norm.size() == 1) {
    out = softmax(scores, norm[0]);
  } else {
    out = exp(subtract(scores, logsumexp(scores, Axes(norm), true)));
  }
  if (mask && zero_masked) out = where(keep, out, Tensor::scalar(0.0f));
  return out;
}

Tensor causal_mask(std::int64_t t, std::int64_t s) {
  if (t < 0 || s < 0) throw ValueError("causal_mask: negative length");
  Tensor mask({1, t, s});
  float* p = mask.data();
  for (std::int64_t i = 0; i < t; ++i)
    for (std::int64_t j = 0; j <= i && j < s; ++j) p[i * s + j] = 1.0f;
  return mask;
}

Tensor sliding_window_mask(std::int64_t t, std::int64_t s, std::int64_t window) {
  if (t < 0 || s < 0) throw ValueError("sliding_window_mask: negative length");
  if (window <= 0) throw ValueError("sliding_window_mask: window must be positive, got " + std::to_string(window));
  Tensor mask({1, t, s});
  float* p = mask.data();
  for (std::int64_t i = 0; i < t; ++i)
    for (std::int64_t j = std::max<std::int64_t>(0, i - window + 1); j < std::min(s, i + window); ++j)
      p[i * s + j] = 1.0f;
  return mask;
}

}  // namespace kplug::ops
