#include "kplug/ops/cumulative.hpp"

#include "kplug/ops/elementwise.hpp"

namespace kplug::ops {
namespace {

// Running combination along `axis` of x viewed as (outer, n, inner), in float32 as numpy's
// sequential cumsum/cumprod.
template <class Acc, class F>
Tensor scan(const Tensor& input, std::optional<std::int64_t> axis, Acc init, F f) {
  Tensor x = input.dtype() == DType::float32 ? input : cast(input, DType::float32);
  if (!axis) x = x.reshape({x.size()});
  const std::int64_t a = x.normalize_axis(axis.value_or(0));
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < x.rank(); ++i) {
    if (i < a) outer *= x.dim(i);
    if (i > a) inner *= x.dim(i);
  }
  const std::int64_t n = x.dim(a);
  Tensor out = Tensor::empty(x.shape());
  const float* src = x.data();
  float* dst = out.data();
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      Acc acc = init;
      for (std::int64_t k = 0; k < n; ++k) {
        const std::int64_t at = (o * n + k) * inner + i;
        acc = f(acc, static_cast<Acc>(src[at]));
        dst[at] = static_cast<float>(acc);
      }
    }
  }
  return out;
}

}  // namespace

Tensor cumsum(const Tensor& x, std::optional<std::int64_t> axis) {
  return scan(x, axis, 0.0f, [](float acc, float v) { return acc + v; });
}

Tensor cumprod(const Tensor& x, std::optional<std::int64_t> axis) {
  return scan(x, axis, 1.0f, [](float acc, float v) { return acc * v; });
}

}  // namespace kplug::ops
