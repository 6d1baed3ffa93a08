// Functors of the named binary ops: a scalar form (general strided path) and an Eigen
// array form (contiguous fast paths). Private to core/src/ops.
#pragma once

#include <Eigen/Core>

#include <cmath>

namespace kplug::ops::detail {

struct AddOp {
  float operator()(float x, float y) const { return x + y; }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x + y;
  }
};
struct SubOp {
  float operator()(float x, float y) const { return x - y; }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x - y;
  }
};
struct MulOp {
  float operator()(float x, float y) const { return x * y; }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x * y;
  }
};
struct DivOp {
  float operator()(float x, float y) const { return x / y; }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x / y;
  }
};
// numpy's maximum/minimum: NaN in either operand gives NaN.
struct MaxOp {
  float operator()(float x, float y) const { return (x < y || std::isnan(y)) ? y : x; }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x.binaryExpr(y, Eigen::internal::scalar_max_op<float, float, Eigen::PropagateNaN>());
  }
};
struct MinOp {
  float operator()(float x, float y) const { return (x > y || std::isnan(y)) ? y : x; }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x.binaryExpr(y, Eigen::internal::scalar_min_op<float, float, Eigen::PropagateNaN>());
  }
};
struct PowOp {
  float operator()(float x, float y) const { return std::pow(x, y); }
  template <class X, class Y>
  auto array(const X& x, const Y& y) const {
    return x.binaryExpr(y, PowOp{});
  }
};

}  // namespace kplug::ops::detail
