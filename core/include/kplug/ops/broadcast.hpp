// Broadcasting binary operations (numpy's rules), by strides: operands are never expanded.
// Every op has a returning form, an `out` form (out is reused when it already has the
// result's shape and float32 dtype, else replaced) and, where useful, an in-place form
// (`add_(a, b)`: b must broadcast to a's shape).
#pragma once

#include "kplug/shape.hpp"
#include "kplug/tensor.hpp"

#include <cstdint>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// The broadcast shape of two shapes; ValueError naming both when incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

namespace detail {
// An iteration plan over the broadcast of two shapes: adjacent axes merged where both
// operands are contiguous or both broadcast, strides in elements (0 = broadcast).
struct BroadcastPlan {
  Shape out_shape;
  Shape dims;  // merged dims, outermost first (at least one)
  Shape stride_a, stride_b;
  std::int64_t size = 0;
};
BroadcastPlan plan_broadcast(const Shape& a, const Shape& b);

template <class F>
void run_plan(const BroadcastPlan& p, const float* a, const float* b, float* out, F& f) {
  if (p.size == 0) return;
  const std::size_t r = p.dims.size();
  const std::int64_t n = p.dims[r - 1], sa = p.stride_a[r - 1], sb = p.stride_b[r - 1];
  std::int64_t outer = p.size / n;
  Shape index(r, 0);
  std::int64_t off_a = 0, off_b = 0;
  for (std::int64_t o = 0; o < outer; ++o) {
    const float* pa = a + off_a;
    const float* pb = b + off_b;
    if (sa == 1 && sb == 1) {
      for (std::int64_t i = 0; i < n; ++i) out[i] = f(pa[i], pb[i]);
    } else if (sa == 1 && sb == 0) {
      const float y = *pb;
      for (std::int64_t i = 0; i < n; ++i) out[i] = f(pa[i], y);
    } else if (sa == 0 && sb == 1) {
      const float x = *pa;
      for (std::int64_t i = 0; i < n; ++i) out[i] = f(x, pb[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i) out[i] = f(pa[i * sa], pb[i * sb]);
    }
    out += n;
    // Advance the outer index (odometer over dims[0 .. r-2]).
    for (std::size_t d = r - 1; d-- > 0;) {
      off_a += p.stride_a[d];
      off_b += p.stride_b[d];
      if (++index[d] < p.dims[d]) break;
      off_a -= p.stride_a[d] * p.dims[d];
      off_b -= p.stride_b[d] * p.dims[d];
      index[d] = 0;
    }
  }
}

bool fits(const Tensor& out, const Shape& shape) noexcept;  // float32 and that shape
// Output tensor for a float32 binary op: `out` reused when it fits, else a new tensor.
float* prepare_out(Tensor& out, const Shape& shape);
const float* input_data(const Tensor& t);  // float32 data, ValueError otherwise
}  // namespace detail

// Element-wise f(a, b) with broadcasting; f is a functor float(float, float) (inlined).
template <class F>
void binary(const Tensor& a, const Tensor& b, Tensor& out, F f);
template <class F>
Tensor binary(const Tensor& a, const Tensor& b, F f);

Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor power(const Tensor& a, const Tensor& b);
void add(const Tensor& a, const Tensor& b, Tensor& out);
void subtract(const Tensor& a, const Tensor& b, Tensor& out);
void multiply(const Tensor& a, const Tensor& b, Tensor& out);
void divide(const Tensor& a, const Tensor& b, Tensor& out);
void maximum(const Tensor& a, const Tensor& b, Tensor& out);
void minimum(const Tensor& a, const Tensor& b, Tensor& out);
void power(const Tensor& a, const Tensor& b, Tensor& out);
// In place: a op= b (b must broadcast to a's shape; ValueError otherwise).
void add_(Tensor& a, const Tensor& b);
void subtract_(Tensor& a, const Tensor& b);
void multiply_(Tensor& a, const Tensor& b);
void divide_(Tensor& a, const Tensor& b);

// Materialises a broadcast (a copy; prefer the ops above, which never expand).
Tensor broadcast_to(const Tensor& x, const Shape& shape);

template <class F>
void binary(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const detail::BroadcastPlan plan = detail::plan_broadcast(a.shape(), b.shape());
  if ((&out == &a || &out == &b) && !detail::fits(out, plan.out_shape)) {
    Tensor tmp;  // `out` is an input that cannot hold the result: never overwrite it while reading
    binary(a, b, tmp, f);
    out = std::move(tmp);
    return;
  }
  // `out` first: when it is one of the inputs it may detach (copying its elements), and the
  // inputs must then be read from where it now points.
  float* po = detail::prepare_out(out, plan.out_shape);
  detail::run_plan(plan, detail::input_data(a), detail::input_data(b), po, f);
}

template <class F>
Tensor binary(const Tensor& a, const Tensor& b, F f) {
  Tensor out;
  binary(a, b, out, f);
  return out;
}

}  // namespace kplug::ops

#pragma GCC visibility pop
