#include "kplug/ops/reduce.hpp"

#include "kplug/errors.hpp"
#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"
#include "kplug/ops/shape.hpp"
#include "ops/binary_ops.hpp"
#include "ops/dispatch.hpp"

#include <algorithm>
#include <limits>

namespace kplug::ops {

std::vector<std::int64_t> normalize_axes(const Axes& axes, std::int64_t rank) {
  std::vector<std::int64_t> out;
  if (axes.list.empty()) {
    for (std::int64_t i = 0; i < rank; ++i) out.push_back(i);
    return out;
  }
  for (std::int64_t axis : axes.list) {
    const std::int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw ValueError("axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                       std::to_string(rank));
    }
    out.push_back(a);
  }
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) throw ValueError("repeated axis in reduction axes");
  return out;
}

namespace {

using detail::ConstArrayMap;
using detail::UArrayMap;

enum class Kind { sum, mean, max, min, prod };

// A tensor whose reduced axes form one contiguous block (outer, length, inner), permuting
// the reduced axes to the end when they do not.
struct Blocked {
  Tensor x;
  std::int64_t outer = 1, length = 1, inner = 1;
  Shape out_shape;  // with keepdims
  Shape out_shape_dropped;
};

Blocked block(const Tensor& x, const std::vector<std::int64_t>& axes) {
  Blocked b;
  const std::int64_t rank = x.rank();
  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  for (auto a : axes) reduced[static_cast<std::size_t>(a)] = true;
  for (std::int64_t i = 0; i < rank; ++i) {
    const std::int64_t d = x.shape()[static_cast<std::size_t>(i)];
    b.out_shape.push_back(reduced[static_cast<std::size_t>(i)] ? 1 : d);
    if (!reduced[static_cast<std::size_t>(i)]) b.out_shape_dropped.push_back(d);
  }
  const bool contiguous = axes.empty() || axes.back() - axes.front() + 1 == static_cast<std::int64_t>(axes.size());
  if (contiguous) {
    b.x = x;
    for (std::int64_t i = 0; i < rank; ++i) {
      const std::int64_t d = x.shape()[static_cast<std::size_t>(i)];
      if (!axes.empty() && i < axes.front())
        b.outer *= d;
      else if (reduced[static_cast<std::size_t>(i)])
        b.length *= d;
      else
        b.inner *= d;
    }
    return b;
  }
  std::vector<std::int64_t> perm;
  for (std::int64_t i = 0; i < rank; ++i) {
    if (!reduced[static_cast<std::size_t>(i)]) perm.push_back(i);
  }
  for (auto a : axes) perm.push_back(a);
  b.x = permute(x, perm);
  for (std::int64_t i = 0; i < rank; ++i) {
    const std::int64_t d = x.shape()[static_cast<std::size_t>(i)];
    if (reduced[static_cast<std::size_t>(i)])
      b.length *= d;
    else
      b.outer *= d;
  }
  return b;
}

Tensor reduce(const Tensor& x, const Axes& axes_in, bool keepdims, Kind kind) {
  const std::vector<std::int64_t> axes = normalize_axes(axes_in, x.rank());
  Blocked b = block(x, axes);
  Tensor out = Tensor::empty(keepdims ? b.out_shape : b.out_shape_dropped);
  const std::int64_t n = b.length, inner = b.inner;
  if (n == 0) {
    if (kind == Kind::max || kind == Kind::min) {
      throw ValueError(std::string(kind == Kind::max ? "max" : "min") + " over an empty axis (shape " +
                       shape_to_string(x.shape()) + ")");
    }
    const float empty = kind == Kind::sum ? 0.0f : kind == Kind::prod ? 1.0f : std::numeric_limits<float>::quiet_NaN();
    std::fill_n(out.data(), out.size(), empty);
    return out;
  }
  const float* src = b.x.data();
  float* dst = out.data();
  for (std::int64_t o = 0; o < b.outer; ++o) {
    const float* block_start = src + o * n * inner;
    if (inner == 1) {
      const ConstArrayMap v(block_start, n);
      switch (kind) {
        case Kind::sum: dst[o] = v.sum(); break;
        case Kind::mean: dst[o] = v.mean(); break;
        case Kind::max: dst[o] = v.maxCoeff<Eigen::PropagateNaN>(); break;
        case Kind::min: dst[o] = v.minCoeff<Eigen::PropagateNaN>(); break;
        case Kind::prod: dst[o] = v.prod(); break;
      }
      continue;
    }
    UArrayMap acc(dst + o * inner, inner);
    acc = ConstArrayMap(block_start, inner);
    for (std::int64_t r = 1; r < n; ++r) {
      const ConstArrayMap row(block_start + r * inner, inner);
      switch (kind) {
        case Kind::sum:
        case Kind::mean: acc += row; break;
        case Kind::max: acc = detail::MaxOp{}.array(acc, row); break;
        case Kind::min: acc = detail::MinOp{}.array(acc, row); break;
        case Kind::prod: acc *= row; break;
      }
    }
    if (kind == Kind::mean) acc /= static_cast<float>(n);
  }
  return out;
}

Tensor arg_extreme(const Tensor& x, std::int64_t axis, bool want_max) {
  const std::int64_t a = x.normalize_axis(axis);
  if (x.dim(a) == 0) throw ValueError("argmax/argmin over an empty axis (shape " + shape_to_string(x.shape()) + ")");
  const Tensor moved = moveaxis(x, a, -1);
  Shape out_shape = x.shape();
  out_shape.erase(out_shape.begin() + a);
  Tensor out = Tensor::empty(out_shape, DType::int64);
  const std::int64_t n = x.dim(a);
  const float* src = moved.data();
  std::int64_t* dst = out.data_as<std::int64_t>();
  for (std::int64_t o = 0; o < out.size(); ++o) {
    const float* row = src + o * n;
    std::int64_t best = 0;
    for (std::int64_t i = 1; i < n && !std::isnan(row[best]); ++i) {
      if (std::isnan(row[i]) || (want_max ? row[i] > row[best] : row[i] < row[best])) best = i;
    }
    dst[o] = best;
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) { return reduce(x, axes, keepdims, Kind::sum); }
Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) { return reduce(x, axes, keepdims, Kind::mean); }
Tensor max(const Tensor& x, const Axes& axes, bool keepdims) { return reduce(x, axes, keepdims, Kind::max); }
Tensor min(const Tensor& x, const Axes& axes, bool keepdims) { return reduce(x, axes, keepdims, Kind::min); }
Tensor prod(const Tensor& x, const Axes& axes, bool keepdims) { return reduce(x, axes, keepdims, Kind::prod); }

Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdims) {
  Tensor m = max(x, axes, true);
  // An infinite max would make x - m NaN; shift by 0 there instead (numpy's logsumexp).
  m = map(m, [](float v) { return std::isfinite(v) ? v : 0.0f; });
  Tensor out = add(log(sum(exp(subtract(x, m)), axes, true)), m);
  if (keepdims) return out;
  const std::vector<std::int64_t> reduced = normalize_axes(axes, x.rank());
  Shape dropped;
  for (std::int64_t i = 0; i < x.rank(); ++i) {
    if (!std::binary_search(reduced.begin(), reduced.end(), i))
      dropped.push_back(x.shape()[static_cast<std::size_t>(i)]);
  }
  return out.reshape(dropped);
}

Tensor argmax(const Tensor& x, std::int64_t axis) { return arg_extreme(x, axis, true); }
Tensor argmin(const Tensor& x, std::int64_t axis) { return arg_extreme(x, axis, false); }

}  // namespace kplug::ops
