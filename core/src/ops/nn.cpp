#include "kplug/ops/nn.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/kernels.hpp"
#include "ops/binary_ops.hpp"
#include "ops/dispatch.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace kplug::ops {
namespace {

using detail::ConstArrayMap;
using detail::ConstRowArrayMap;
using detail::RowArrayMap;
using detail::UArrayMap;

// Splits x around `axis` into (outer, length, inner).
struct Split {
  std::int64_t outer = 1, length = 1, inner = 1;
};
Split split(const Tensor& x, std::int64_t a) {
  Split s;
  for (std::int64_t i = 0; i < x.rank(); ++i) {
    const std::int64_t d = x.shape()[static_cast<std::size_t>(i)];
    if (i < a)
      s.outer *= d;
    else if (i == a)
      s.length = d;
    else
      s.inner *= d;
  }
  return s;
}

template <bool Log>
Tensor softmax_impl(const Tensor& x, std::int64_t axis) {
  if (x.rank() == 0) throw ValueError(std::string(Log ? "log_softmax" : "softmax") + " of a scalar (no axis)");
  const std::int64_t a = x.normalize_axis(axis);
  const Split s = split(x, a);
  Tensor out = Tensor::empty(x.shape());
  if (out.size() == 0) return out;
  const float* src = x.data();
  float* dst = out.data();
  const std::int64_t n = s.length;
  if (s.inner == 1) {
    kernels::softmax_rows(src, dst, s.outer, n, Log);
    return out;
  }
  Eigen::Array<float, 1, Eigen::Dynamic> m(s.inner), total(s.inner);
  for (std::int64_t o = 0; o < s.outer; ++o) {
    const ConstRowArrayMap in(src + o * n * s.inner, n, s.inner);
    RowArrayMap res(dst + o * n * s.inner, n, s.inner);
    m = in.row(0);
    for (std::int64_t r = 1; r < n; ++r) m = detail::MaxOp{}.array(m, in.row(r));
    res = (in.rowwise() - m).exp();
    total = res.colwise().sum();
    if constexpr (Log)
      res = (in.rowwise() - (m + total.log()));
    else
      res.rowwise() /= total;
  }
  return out;
}

}  // namespace

void kernels::softmax_rows(const float* x, float* out, std::int64_t rows, std::int64_t n, bool log) {
  for (std::int64_t o = 0; o < rows; ++o) {
    const ConstArrayMap in(x + o * n, n);
    UArrayMap res(out + o * n, n);
    const float m = in.maxCoeff<Eigen::PropagateNaN>();
    if (log) {
      const float total = (in - m).exp().sum();
      res = (in - m) - std::log(total);
    } else {
      res = (in - m).exp();
      res *= 1.0f / res.sum();
    }
  }
}

Tensor softmax(const Tensor& x, std::int64_t axis) { return softmax_impl<false>(x, axis); }
Tensor log_softmax(const Tensor& x, std::int64_t axis) { return softmax_impl<true>(x, axis); }

Tensor l2_normalize(const Tensor& x, const Axes& axes, float epsilon) {
  // std::max keeps a NaN sum NaN (NaN < epsilon is false).
  const Tensor inv_norm =
      map(sum(square(x), axes, true), [epsilon](float s) { return 1.0f / std::sqrt(std::max(s, epsilon)); });
  return multiply(x, inv_norm);
}

Moments moments(const Tensor& x, const Axes& axes, bool keepdims) {
  const Tensor mean_kept = mean(x, axes, true);
  Tensor variance = mean(square(subtract(x, mean_kept)), axes, keepdims);
  Tensor m = keepdims ? mean_kept : mean_kept.reshape(variance.shape());
  return {std::move(m), std::move(variance)};
}

}  // namespace kplug::ops
