#include "kplug/ops/broadcast.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/kernels.hpp"
#include "ops/binary_ops.hpp"
#include "ops/dispatch.hpp"

#include <cstring>

namespace kplug::ops {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw ValueError("shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " do not broadcast (axis " +
                       std::to_string(static_cast<std::int64_t>(i) - static_cast<std::int64_t>(rank)) + ": " +
                       std::to_string(da) + " vs " + std::to_string(db) + ")");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace detail {

BroadcastPlan plan_broadcast(const Shape& a, const Shape& b) {
  BroadcastPlan p;
  p.out_shape = ops::broadcast_shapes(a, b);
  p.size = shape_size(p.out_shape);
  const std::size_t rank = p.out_shape.size();
  // Per-axis strides of each operand in the output's frame (0 where broadcast).
  Shape sa(rank, 0), sb(rank, 0);
  auto fill = [rank](const Shape& s, Shape& strides) {
    std::int64_t stride = 1;
    for (std::size_t i = s.size(); i-- > 0;) {
      strides[i + (rank - s.size())] = s[i] == 1 ? 0 : stride;
      stride *= s[i];
    }
  };
  fill(a, sa);
  fill(b, sb);
  // Merge axis i into the previous merged axis when both operands stay linear across them.
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t d = p.out_shape[i];
    if (d == 1) continue;  // length-1 axes do not move any pointer
    if (!p.dims.empty()) {
      const std::size_t last = p.dims.size() - 1;
      if (p.stride_a[last] == sa[i] * d && p.stride_b[last] == sb[i] * d) {
        p.dims[last] *= d;
        p.stride_a[last] = sa[i];
        p.stride_b[last] = sb[i];
        continue;
      }
    }
    p.dims.push_back(d);
    p.stride_a.push_back(sa[i]);
    p.stride_b.push_back(sb[i]);
  }
  if (p.dims.empty()) {
    p.dims.push_back(1);
    p.stride_a.push_back(0);
    p.stride_b.push_back(0);
  }
  return p;
}

bool fits(const Tensor& out, const Shape& shape) noexcept {
  return out.dtype() == DType::float32 && out.shape() == shape;
}

float* prepare_out(Tensor& out, const Shape& shape) {
  if (!fits(out, shape)) out = Tensor::empty(shape);
  return out.data();
}

const float* input_data(const Tensor& t) { return t.data(); }

}  // namespace detail

namespace {

using detail::ConstArrayMap;
using detail::UArrayMap;

// Length of the trailing part of `full` that `part` (leading 1s stripped) covers, when `part`
// is exactly a suffix of `full`; -1 otherwise. The bias add (n, c) + (c) is the common case.
std::int64_t suffix_size(const Shape& part, const Shape& full) {
  std::size_t start = 0;
  while (start < part.size() && part[start] == 1) ++start;
  const std::size_t n = part.size() - start;
  if (n > full.size()) return -1;
  std::int64_t size = 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (part[start + i] != full[full.size() - n + i]) return -1;
    size *= part[start + i];
  }
  return size;
}

// Size of the leading part of `full` that `part` covers when `part` is `full` with its
// trailing axes set to 1 (a per-row scalar, (n, 1) against (n, c)); -1 otherwise.
std::int64_t prefix_size(const Shape& part, const Shape& full) {
  if (part.size() != full.size()) return -1;
  std::size_t k = part.size();
  while (k > 0 && part[k - 1] == 1) --k;
  std::int64_t size = 1;
  for (std::size_t i = 0; i < k; ++i) {
    if (part[i] != full[i]) return -1;
    size *= part[i];
  }
  return size;
}

// One contiguous pass when neither operand broadcasts, else along the plan's axes.
template <class Op>
void run_binary(const float* a, const float* b, float* out, const detail::BroadcastPlan& plan, Op op) {
  if (plan.dims.size() == 1 && plan.stride_a[0] == 1 && plan.stride_b[0] == 1) {
    UArrayMap(out, plan.size) = op.array(ConstArrayMap(a, plan.size), ConstArrayMap(b, plan.size));
    return;
  }
  detail::run_plan(plan, a, b, out, op);
}

template <class Op>
void apply(const Tensor& a, const Tensor& b, Tensor& out, Op op) {
  const Shape shape = ops::broadcast_shapes(a.shape(), b.shape());
  if ((&out == &a || &out == &b) && !detail::fits(out, shape)) {
    Tensor tmp;
    apply(a, b, tmp, op);
    out = std::move(tmp);
    return;
  }
  float* po = detail::prepare_out(out, shape);
  const float* pa = a.data();
  const float* pb = b.data();
  const std::int64_t n = out.size();
  if (n == 0) return;
  UArrayMap o(po, n);
  if (a.size() == n && b.size() == n) {
    o = op.array(ConstArrayMap(pa, n), ConstArrayMap(pb, n));
    return;
  }
  if (a.size() == n && b.size() == 1) {
    o = op.array(ConstArrayMap(pa, n), Eigen::ArrayXf::Constant(n, pb[0]));
    return;
  }
  if (b.size() == n && a.size() == 1) {
    o = op.array(Eigen::ArrayXf::Constant(n, pa[0]), ConstArrayMap(pb, n));
    return;
  }
  // Row-wise: one operand repeats along the leading axes (bias add). Each output row is one
  // contiguous array expression, as Eigen's rowwise().
  if (a.size() == n) {
    if (const std::int64_t c = suffix_size(b.shape(), shape); c > 0) {
      const ConstArrayMap row(pb, c);
      for (std::int64_t r = 0; r < n / c; ++r) UArrayMap(po + r * c, c) = op.array(ConstArrayMap(pa + r * c, c), row);
      return;
    }
    if (const std::int64_t rows = prefix_size(b.shape(), shape); rows > 0) {
      const std::int64_t c = n / rows;
      for (std::int64_t r = 0; r < rows; ++r) {
        UArrayMap(po + r * c, c) = op.array(ConstArrayMap(pa + r * c, c), Eigen::ArrayXf::Constant(c, pb[r]));
      }
      return;
    }
  } else if (b.size() == n) {
    if (const std::int64_t c = suffix_size(a.shape(), shape); c > 0) {
      const ConstArrayMap row(pa, c);
      for (std::int64_t r = 0; r < n / c; ++r) UArrayMap(po + r * c, c) = op.array(row, ConstArrayMap(pb + r * c, c));
      return;
    }
    if (const std::int64_t rows = prefix_size(a.shape(), shape); rows > 0) {
      const std::int64_t c = n / rows;
      for (std::int64_t r = 0; r < rows; ++r) {
        UArrayMap(po + r * c, c) = op.array(Eigen::ArrayXf::Constant(c, pa[r]), ConstArrayMap(pb + r * c, c));
      }
      return;
    }
  }
  run_binary(pa, pb, po, detail::plan_broadcast(a.shape(), b.shape()), op);
}

template <class Op>
Tensor apply(const Tensor& a, const Tensor& b, Op op) {
  Tensor out = Tensor::empty(Shape{0});
  apply(a, b, out, op);
  return out;
}

template <class Op>
void apply_inplace(Tensor& a, const Tensor& b, Op op) {
  const Shape shape = ops::broadcast_shapes(a.shape(), b.shape());
  if (shape != a.shape()) {
    throw ValueError("in-place op: " + shape_to_string(b.shape()) + " does not broadcast to " +
                     shape_to_string(a.shape()) + " (result would be " + shape_to_string(shape) + ")");
  }
  apply(a, b, a, op);
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return apply(a, b, detail::AddOp{}); }
Tensor subtract(const Tensor& a, const Tensor& b) { return apply(a, b, detail::SubOp{}); }
Tensor multiply(const Tensor& a, const Tensor& b) { return apply(a, b, detail::MulOp{}); }
Tensor divide(const Tensor& a, const Tensor& b) { return apply(a, b, detail::DivOp{}); }
Tensor maximum(const Tensor& a, const Tensor& b) { return apply(a, b, detail::MaxOp{}); }
Tensor minimum(const Tensor& a, const Tensor& b) { return apply(a, b, detail::MinOp{}); }
Tensor power(const Tensor& a, const Tensor& b) { return apply(a, b, detail::PowOp{}); }
void add(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::AddOp{}); }
void subtract(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::SubOp{}); }
void multiply(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::MulOp{}); }
void divide(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::DivOp{}); }
void maximum(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::MaxOp{}); }
void minimum(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::MinOp{}); }
void power(const Tensor& a, const Tensor& b, Tensor& out) { apply(a, b, out, detail::PowOp{}); }
void add_(Tensor& a, const Tensor& b) { apply_inplace(a, b, detail::AddOp{}); }
void subtract_(Tensor& a, const Tensor& b) { apply_inplace(a, b, detail::SubOp{}); }
void multiply_(Tensor& a, const Tensor& b) { apply_inplace(a, b, detail::MulOp{}); }
void divide_(Tensor& a, const Tensor& b) { apply_inplace(a, b, detail::DivOp{}); }

namespace kernels {

void binary(const float* a, const float* b, float* out, const detail::BroadcastPlan& plan, BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return run_binary(a, b, out, plan, detail::AddOp{});
    case BinaryOp::subtract: return run_binary(a, b, out, plan, detail::SubOp{});
    case BinaryOp::multiply: return run_binary(a, b, out, plan, detail::MulOp{});
    case BinaryOp::divide: return run_binary(a, b, out, plan, detail::DivOp{});
    case BinaryOp::maximum: return run_binary(a, b, out, plan, detail::MaxOp{});
    case BinaryOp::minimum: return run_binary(a, b, out, plan, detail::MinOp{});
  }
}

}  // namespace kernels

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  const Shape result = ops::broadcast_shapes(x.shape(), shape);
  if (result != shape) {
    throw ValueError("cannot broadcast " + shape_to_string(x.shape()) + " to " + shape_to_string(shape));
  }
  return binary(x, Tensor(shape, 0.0f), [](float v, float) { return v; });
}

}  // namespace kplug::ops
