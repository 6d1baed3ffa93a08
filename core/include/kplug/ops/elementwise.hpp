// Element-wise maths on float32 tensors (Eigen array expressions inside core), the scalar
// forms the losses and activations share (one stable sigmoid, one softplus), dtype casts
// and finiteness checks. Returning forms allocate; `out` forms reuse `out` when it already
// has x's shape and float32 dtype.
#pragma once

#include "kplug/tensor.hpp"

#include <cmath>
#include <string_view>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// ---- scalar forms (inline, for functors) ----
// Split by sign so that exp never overflows; 0 at -inf, 1 at +inf, NaN stays NaN.
inline float stable_sigmoid(float v) {
  if (v >= 0.0f) return 1.0f / (1.0f + std::exp(-v));
  const float e = std::exp(v);
  return e / (1.0f + e);
}
// log(1 + exp(x)) without overflow.
inline float softplus(float x) { return std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }
// numpy's clip: NaN stays NaN (both comparisons are false).
inline float clip(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

// ---- tensor forms ----
// Element-wise f(x) with a functor float(float) (inlined, no std::function).
template <class F>
Tensor map(const Tensor& x, F f) {
  return x.map(f);
}

enum class UnaryOp {
  negative,
  abs,
  exp,
  expm1,
  log,
  log1p,
  sqrt,
  rsqrt,
  square,
  tanh,
  sigmoid,
  softplus,
  relu,
  sign,
  floor,
  ceil,
  round,
  sin,
  cos,
  reciprocal,
  erf
};
Tensor unary(const Tensor& x, UnaryOp op);
void unary(const Tensor& x, UnaryOp op, Tensor& out);

inline Tensor negative(const Tensor& x) { return unary(x, UnaryOp::negative); }
inline Tensor abs(const Tensor& x) { return unary(x, UnaryOp::abs); }
inline Tensor exp(const Tensor& x) { return unary(x, UnaryOp::exp); }
inline Tensor expm1(const Tensor& x) { return unary(x, UnaryOp::expm1); }
inline Tensor log(const Tensor& x) { return unary(x, UnaryOp::log); }
inline Tensor log1p(const Tensor& x) { return unary(x, UnaryOp::log1p); }
inline Tensor sqrt(const Tensor& x) { return unary(x, UnaryOp::sqrt); }
inline Tensor rsqrt(const Tensor& x) { return unary(x, UnaryOp::rsqrt); }
inline Tensor square(const Tensor& x) { return unary(x, UnaryOp::square); }
inline Tensor tanh(const Tensor& x) { return unary(x, UnaryOp::tanh); }
inline Tensor sigmoid(const Tensor& x) { return unary(x, UnaryOp::sigmoid); }  // stable for any x
inline Tensor softplus(const Tensor& x) { return unary(x, UnaryOp::softplus); }
inline Tensor relu(const Tensor& x) { return unary(x, UnaryOp::relu); }
inline Tensor sign(const Tensor& x) { return unary(x, UnaryOp::sign); }
inline Tensor floor(const Tensor& x) { return unary(x, UnaryOp::floor); }
inline Tensor ceil(const Tensor& x) { return unary(x, UnaryOp::ceil); }
inline Tensor round(const Tensor& x) { return unary(x, UnaryOp::round); }  // half to even, as numpy
inline Tensor sin(const Tensor& x) { return unary(x, UnaryOp::sin); }
inline Tensor cos(const Tensor& x) { return unary(x, UnaryOp::cos); }
inline Tensor reciprocal(const Tensor& x) { return unary(x, UnaryOp::reciprocal); }
inline Tensor erf(const Tensor& x) { return unary(x, UnaryOp::erf); }

// Scalar-operand forms.
Tensor clip(const Tensor& x, float lo, float hi);
Tensor pow(const Tensor& x, float exponent);
Tensor add(const Tensor& x, float s);
Tensor multiply(const Tensor& x, float s);
// a * x + b element-wise (one pass).
Tensor affine(const Tensor& x, float a, float b);

// dtype conversion. Floats to integers truncate toward zero and must fit (ValueError naming
// the value otherwise, never UB); NaN to an integer is an error; float16/bfloat16 round to
// nearest even; bool is x != 0.
Tensor cast(const Tensor& x, DType dtype);

// True when every element is finite (integers always are).
bool all_finite(const Tensor& x);
// ValueError "<what> must be finite, got <v>" unless `value` is finite.
void require_finite(std::string_view what, double value);

}  // namespace kplug::ops
#pragma GCC visibility pop
