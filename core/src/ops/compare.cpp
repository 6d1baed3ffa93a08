#include "kplug/ops/compare.hpp"

#include "kplug/ops/broadcast.hpp"
#include "kplug/ops/elementwise.hpp"

namespace kplug::ops {
namespace {

Tensor as_float(const Tensor& x) { return x.dtype() == DType::float32 ? x : cast(x, DType::float32); }

// f gives 1 or 0 per element pair; the result is stored as bool.
template <class F>
Tensor predicate(const Tensor& a, const Tensor& b, F f) {
  return cast(binary(as_float(a), as_float(b), f), DType::bool_);
}

}  // namespace

Tensor compare(const Tensor& a, const Tensor& b, CompareOp op) {
  switch (op) {
    case CompareOp::equal: return predicate(a, b, [](float x, float y) { return x == y ? 1.0f : 0.0f; });
    case CompareOp::not_equal: return predicate(a, b, [](float x, float y) { return x != y ? 1.0f : 0.0f; });
    case CompareOp::greater: return predicate(a, b, [](float x, float y) { return x > y ? 1.0f : 0.0f; });
    case CompareOp::greater_equal: return predicate(a, b, [](float x, float y) { return x >= y ? 1.0f : 0.0f; });
    case CompareOp::less: return predicate(a, b, [](float x, float y) { return x < y ? 1.0f : 0.0f; });
    case CompareOp::less_equal: return predicate(a, b, [](float x, float y) { return x <= y ? 1.0f : 0.0f; });
  }
  return {};
}

Tensor logical(const Tensor& a, const Tensor& b, LogicalOp op) {
  switch (op) {
    case LogicalOp::logical_and:
      return predicate(a, b, [](float x, float y) { return (x != 0.0f && y != 0.0f) ? 1.0f : 0.0f; });
    case LogicalOp::logical_or:
      return predicate(a, b, [](float x, float y) { return (x != 0.0f || y != 0.0f) ? 1.0f : 0.0f; });
    case LogicalOp::logical_xor:
      return predicate(a, b, [](float x, float y) { return ((x != 0.0f) != (y != 0.0f)) ? 1.0f : 0.0f; });
  }
  return {};
}

Tensor logical_not(const Tensor& x) {
  return cast(as_float(x).map([](float v) { return v == 0.0f ? 1.0f : 0.0f; }), DType::bool_);
}

// Truth values as 0/1 floats, reduced by min (all) or max (any); an empty reduction gives
// numpy's identity (True for all, False for any).
Tensor all(const Tensor& x, const Axes& axes, bool keepdims) {
  const Tensor t = as_float(x).map([](float v) { return v != 0.0f ? 1.0f : 0.0f; });
  // prod over {0, 1} is 1 exactly when every element is 1, and 1 over no elements.
  return cast(prod(t, axes, keepdims), DType::bool_);
}

Tensor any(const Tensor& x, const Axes& axes, bool keepdims) {
  const Tensor t = as_float(x).map([](float v) { return v != 0.0f ? 1.0f : 0.0f; });
  return cast(sum(t, axes, keepdims), DType::bool_);
}

}  // namespace kplug::ops
