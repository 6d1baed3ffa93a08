#include "kplug/ops/elementwise.hpp"

#include "kplug/ops/kernels.hpp"

#include "kplug/errors.hpp"
#include "ops/dispatch.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>
#include <utility>

namespace kplug::ops {
namespace {
struct StableSigmoidOp;
}  // namespace
}  // namespace kplug::ops

template <>
struct Eigen::internal::functor_traits<kplug::ops::StableSigmoidOp> {
  enum { Cost = 30, PacketAccess = true };
};

namespace kplug::ops {
namespace {

using detail::ConstArrayMap;
using detail::UArrayMap;

template <class Expr>
void map_into(const float* x, float* out, std::int64_t n, Expr&& expr) {
  UArrayMap(out, n) = expr(ConstArrayMap(x, n));
}

// fill(x's values, out's values) with `out` shaped as x first. `out` may be `x` (in place).
template <class Fill>
void fill_like(const Tensor& x, Tensor& out, Fill&& fill) {
  if (out.dtype() != DType::float32 || out.shape() != x.shape()) {
    if (&out == &x) {
      Tensor tmp = Tensor::empty(x.shape());
      fill(x.data(), tmp.data());
      out = std::move(tmp);
      return;
    }
    out = Tensor::empty(x.shape());
  }
  // The output pointer first, so that a detach (out == x, shared) is seen by both.
  float* po = out.data();
  fill(x.data(), po);
}

template <class Expr>
void unary_into(const Tensor& x, Tensor& out, Expr&& expr) {
  fill_like(x, out, [&](const float* in, float* o) { map_into(in, o, x.size(), expr); });
}

struct SignOp {
  float operator()(float v) const { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v); }  // NaN and ±0 stay
};
struct ErfOp {
  float operator()(float v) const { return std::erf(v); }
};
struct RintOp {
  float operator()(float v) const { return std::nearbyint(v); }  // half to even (default rounding mode)
};

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// ---- casts ----

template <class S>
auto load(S v) {
  if constexpr (std::is_same_v<S, Half>) {
    return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(v.bits));
  } else if constexpr (std::is_same_v<S, BFloat16>) {
    return static_cast<float>(Eigen::numext::bit_cast<Eigen::bfloat16>(v.bits));
  } else {
    return v;
  }
}

template <class D, class S>
D convert(S raw, std::int64_t index) {
  const auto v = load(raw);
  using V = std::remove_cv_t<decltype(v)>;
  auto fail = [&](const std::string& why) -> D {
    throw ValueError("cannot cast element " + std::to_string(index) + " (" + number_text(static_cast<double>(v)) +
                     ") to " + std::string(dtype_name(dtype_of<D>())) + ": " + why);
  };
  if constexpr (std::is_same_v<D, bool>) {
    return v != V{};
  } else if constexpr (std::is_same_v<D, Half>) {
    return Half{Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(static_cast<float>(v)))};
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    return BFloat16{Eigen::numext::bit_cast<std::uint16_t>(Eigen::bfloat16(static_cast<float>(v)))};
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(v);
  } else if constexpr (std::is_floating_point_v<V>) {
    // Float to integer: truncate toward zero, as numpy; out of range would be UB.
    if (std::isnan(v)) return fail("NaN has no integer value");
    const double t = std::trunc(static_cast<double>(v));
    const double lo = static_cast<double>(std::numeric_limits<D>::min());
    const double hi_exclusive = std::ldexp(1.0, std::numeric_limits<D>::digits);  // max + 1, exact
    if (!(t >= lo && t < hi_exclusive)) return fail("out of range");
    return static_cast<D>(t);
  } else if constexpr (std::is_same_v<V, bool>) {
    return static_cast<D>(v ? 1 : 0);
  } else {
    if (!std::in_range<D>(v)) {
      throw ValueError("cannot cast element " + std::to_string(index) + " (" + std::to_string(v) + ") to " +
                       std::string(dtype_name(dtype_of<D>())) + ": out of range");
    }
    return static_cast<D>(v);
  }
}

// Stable for any x with one exp per element, in one pass: e = exp(-|x|) <= 1, then
// x >= 0 gives 1 / (1 + e) and x < 0 gives e / (1 + e). A packet functor, because an Eigen
// expression naming e twice would evaluate the exp twice. NaN stays NaN.
struct StableSigmoidOp {
  float operator()(float v) const { return stable_sigmoid(v); }
  template <class Packet>
  Packet packetOp(const Packet& v) const {
    namespace ei = Eigen::internal;
    const Packet e = ei::pexp(ei::por(v, ei::pset1frombits<Packet>(0x80000000u)));  // -|v|: set the sign bit
    const Packet one = ei::pset1<Packet>(1.0f);
    const Packet numerator = ei::pselect(ei::pcmp_le(ei::pzero(v), v), one, e);
    return ei::pdiv(numerator, ei::padd(one, e));
  }
};

}  // namespace

namespace kernels {

void unary(const float* x, float* out, std::int64_t n, UnaryOp op) {
  switch (op) {
    case UnaryOp::negative: return map_into(x, out, n, [](const auto& a) { return -a; });
    case UnaryOp::abs: return map_into(x, out, n, [](const auto& a) { return a.abs(); });
    case UnaryOp::exp: return map_into(x, out, n, [](const auto& a) { return a.exp(); });
    case UnaryOp::expm1: return map_into(x, out, n, [](const auto& a) { return a.expm1(); });
    case UnaryOp::log: return map_into(x, out, n, [](const auto& a) { return a.log(); });
    case UnaryOp::log1p: return map_into(x, out, n, [](const auto& a) { return a.log1p(); });
    case UnaryOp::sqrt: return map_into(x, out, n, [](const auto& a) { return a.sqrt(); });
    case UnaryOp::rsqrt: return map_into(x, out, n, [](const auto& a) { return a.rsqrt(); });
    case UnaryOp::square: return map_into(x, out, n, [](const auto& a) { return a.square(); });
    case UnaryOp::tanh: return map_into(x, out, n, [](const auto& a) { return a.tanh(); });
    case UnaryOp::sigmoid: return map_into(x, out, n, [](const auto& a) { return a.unaryExpr(StableSigmoidOp{}); });
    case UnaryOp::softplus:
      return map_into(x, out, n, [](const auto& a) { return a.max(0.0f) + (-a.abs()).exp().log1p(); });
    case UnaryOp::relu:
      // Eigen's max(a, 0) is std::max(a, 0) = a < 0 ? 0 : a, vectorised (select is not): NaN and -0 stay.
      return map_into(x, out, n, [](const auto& a) { return a.max(0.0f); });
    case UnaryOp::sign: return map_into(x, out, n, [](const auto& a) { return a.unaryExpr(SignOp{}); });
    case UnaryOp::floor: return map_into(x, out, n, [](const auto& a) { return a.floor(); });
    case UnaryOp::ceil: return map_into(x, out, n, [](const auto& a) { return a.ceil(); });
    case UnaryOp::round: return map_into(x, out, n, [](const auto& a) { return a.unaryExpr(RintOp{}); });
    case UnaryOp::sin: return map_into(x, out, n, [](const auto& a) { return a.sin(); });
    case UnaryOp::cos: return map_into(x, out, n, [](const auto& a) { return a.cos(); });
    case UnaryOp::reciprocal: return map_into(x, out, n, [](const auto& a) { return a.inverse(); });
    case UnaryOp::erf: return map_into(x, out, n, [](const auto& a) { return a.unaryExpr(ErfOp{}); });
  }
  throw ValueError("unknown unary op");
}

void add_row(float* x, const float* row, std::int64_t rows, std::int64_t cols) {
  // Row by row: Eigen's rowwise() broadcast reads the row through Replicate, which has no packet
  // access, so it ran one float at a time (a transposed convolution's bias over 16 channels took
  // 40% of the layer's time).
  const Eigen::Map<const Eigen::ArrayXf> b(row, cols);
  for (std::int64_t r = 0; r < rows; ++r) Eigen::Map<Eigen::ArrayXf>(x + r * cols, cols) += b;
}

void add(const float* a, const float* b, float* out, std::int64_t n) {
  UArrayMap(out, n) = ConstArrayMap(a, n) + ConstArrayMap(b, n);
}

void multiply(const float* a, const float* b, float* out, std::int64_t n) {
  UArrayMap(out, n) = ConstArrayMap(a, n) * ConstArrayMap(b, n);
}

void divide(const float* x, float s, float* out, std::int64_t n) { UArrayMap(out, n) = ConstArrayMap(x, n) / s; }

void subtract_from(float s, const float* x, float* out, std::int64_t n) { UArrayMap(out, n) = s - ConstArrayMap(x, n); }

void copy_block(const float* src, std::int64_t rows, std::int64_t cols, std::int64_t src_stride, float* dst) {
  for (std::int64_t r = 0; r < rows; ++r) std::copy_n(src + r * src_stride, cols, dst + r * cols);
}

void scale_shift_rows(const float* x, float* out, std::int64_t rows, std::int64_t cols, const float* scale,
                      const float* shift) {
  const ConstArrayMap s(scale, cols), b(shift, cols);
  for (std::int64_t r = 0; r < rows; ++r) {
    UArrayMap(out + r * cols, cols) = ConstArrayMap(x + r * cols, cols) * s + b;
  }
}

void relu(const float* x, float* out, std::int64_t n, float negative_slope, std::optional<float> max_value,
          float threshold) {
  if (negative_slope == 0.0f && !max_value && threshold == 0.0f) return unary(x, out, n, UnaryOp::relu);
  const float cap = max_value.value_or(0.0f);
  const bool clip_max = max_value.has_value();
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    // Keras's x * (x > threshold), but -inf gives 0 rather than -inf * 0 = NaN. NaN stays
    // NaN in both branches (plain relu is numpy's maximum(x, 0)).
    float y = threshold != 0.0f ? (v > threshold || std::isnan(v) ? v : 0.0f) : (v < 0.0f ? 0.0f : v);
    if (clip_max) y = clip(y, 0.0f, cap);
    if (negative_slope != 0.0f) {
      const float below = threshold - v;
      y -= negative_slope * (below < 0.0f ? 0.0f : below);
    }
    out[i] = y;
  }
}

}  // namespace kernels

void unary(const Tensor& x, UnaryOp op, Tensor& out) {
  fill_like(x, out, [&](const float* in, float* o) { kernels::unary(in, o, x.size(), op); });
}

Tensor unary(const Tensor& x, UnaryOp op) {
  Tensor out = Tensor::empty(x.shape());
  unary(x, op, out);
  return out;
}

Tensor clip(const Tensor& x, float lo, float hi) {
  return map(x, [lo, hi](float v) { return clip(v, lo, hi); });
}
Tensor pow(const Tensor& x, float exponent) {
  return map(x, [exponent](float v) { return std::pow(v, exponent); });
}
Tensor add(const Tensor& x, float s) {
  Tensor out;
  unary_into(x, out, [s](const auto& a) { return a + s; });
  return out;
}
Tensor multiply(const Tensor& x, float s) {
  Tensor out;
  unary_into(x, out, [s](const auto& a) { return a * s; });
  return out;
}
Tensor affine(const Tensor& x, float a, float b) {
  Tensor out;
  unary_into(x, out, [a, b](const auto& v) { return v * a + b; });
  return out;
}

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x.clone();
  Tensor out = Tensor::empty(x.shape(), dtype);
  detail::visit_dtype(x.dtype(), [&](auto src_tag) {
    using S = decltype(src_tag);
    detail::visit_dtype(dtype, [&](auto dst_tag) {
      using D = decltype(dst_tag);
      const S* src = x.data_as<S>();
      D* dst = out.data_as<D>();
      for (std::int64_t i = 0; i < x.size(); ++i) dst[i] = convert<D>(src[i], i);
    });
  });
  return out;
}

bool all_finite(const Tensor& x) {
  if (!is_floating(x.dtype())) return true;
  if (x.dtype() != DType::float32) return all_finite(cast(x, DType::float32));
  return detail::as_array(x).isFinite().all();
}

void require_finite(std::string_view what, double value) {
  if (!std::isfinite(value)) {
    throw ValueError(std::string(what) + " must be finite, got " + number_text(value));
  }
}

}  // namespace kplug::ops
