// numpy's cumulative sum and product along one axis (float32).
#pragma once

#include "kplug/tensor.hpp"

#include <cstdint>
#include <optional>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::ops {

// No axis: over the flattened tensor (a 1-D result), as numpy.
Tensor cumsum(const Tensor& x, std::optional<std::int64_t> axis);
Tensor cumprod(const Tensor& x, std::optional<std::int64_t> axis);

}  // namespace kplug::ops
#pragma GCC visibility pop
