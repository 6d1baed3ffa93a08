// numpy's comparisons and logical operations with broadcasting, as bool tensors
// (keras.ops equal, greater, logical_and, all, ...). Operands of any numeric or bool dtype
// are compared as float32 (integers beyond 2^24 lose exactness).
#pragma once

#include "kplug/ops/reduce.hpp"
#include "kplug/tensor.hpp"

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

enum class CompareOp { equal, not_equal, greater, greater_equal, less, less_equal };
Tensor compare(const Tensor& a, const Tensor& b, CompareOp op);

// Nonzero is true.
enum class LogicalOp { logical_and, logical_or, logical_xor };
Tensor logical(const Tensor& a, const Tensor& b, LogicalOp op);
Tensor logical_not(const Tensor& x);

// numpy's all / any over axes ({} = every axis), as bool tensors.
Tensor all(const Tensor& x, const Axes& axes, bool keepdims = false);
Tensor any(const Tensor& x, const Axes& axes, bool keepdims = false);

}  // namespace kplug::ops
#pragma GCC visibility pop
