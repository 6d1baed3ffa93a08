// A tensor derived from another (a quantized kernel unpacked or widened to float32) kept
// between calls: a layer computes it once per variable value instead of on every call.
#pragma once

#include "kplug/tensor.hpp"

#include <functional>
#include <mutex>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

class DerivedTensorCache {
 public:
  DerivedTensorCache() = default;
  // A copy starts empty: the cache belongs to its owner's variables.
  DerivedTensorCache(const DerivedTensorCache&) {}
  DerivedTensorCache& operator=(const DerivedTensorCache&) { return *this; }

  // derive(source), recomputed only when `source` no longer shares the buffer of the
  // tensor it was last derived from (same bytes, shape and dtype). The cache holds a copy of that source, so its buffer
  // cannot be freed and reused, and writing to the variable's tensor detaches it (tensors
  // copy on write): a shared buffer always means the same values. Thread-safe.
  Tensor get(const Tensor& source, const std::function<Tensor(const Tensor&)>& derive) const;

 private:
  mutable std::mutex mutex_;
  mutable Tensor source_ = Tensor::empty(Shape{0});
  mutable Tensor derived_ = Tensor::empty(Shape{0});
};

}  // namespace kplug::ops
#pragma GCC visibility pop
