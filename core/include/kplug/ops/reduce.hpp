// Reductions over axes (numpy semantics: negative axes, keepdims; an empty axis list
// reduces every axis). float32 in and out.
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// The axes to reduce; {} = all axes.
struct Axes {
  std::vector<std::int64_t> list;
  Axes() = default;
  Axes(std::int64_t axis) : list{axis} {}  // NOLINT: one axis reads naturally
  Axes(std::initializer_list<std::int64_t> axes) : list(axes) {}
  Axes(std::vector<std::int64_t> axes) : list(std::move(axes)) {}  // NOLINT
};

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);  // NaN over an empty axis
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);   // NaN propagates; empty: ValueError
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor prod(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// log(sum(exp(x))) over the axes, shifted by the max for stability.
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// Index of the first maximum along one axis (int64 tensor).
Tensor argmax(const Tensor& x, std::int64_t axis);
Tensor argmin(const Tensor& x, std::int64_t axis);

// Sorted, normalised, de-duplicated-checked axes for a rank (ValueError on out of range / repeats).
std::vector<std::int64_t> normalize_axes(const Axes& axes, std::int64_t rank);

}  // namespace kplug::ops
#pragma GCC visibility pop
