// Keras masks as the attention layers combine them: float 0/1 tensors (1 = attend).
#pragma once

#include "kplug/ops.hpp"
#include "kplug/tensor.hpp"

#include <optional>

namespace kplug::layers::detail {

// ops.cast(mask, "bool") as 0/1 floats: any non-zero value attends.
inline Tensor mask_as_float(const Tensor& mask) {
  if (mask.dtype() == DType::bool_) return mask.astype(DType::float32);
  return ops::map(ops::cast(mask, DType::float32), [](float v) { return v != 0.0f ? 1.0f : 0.0f; });
}

// Logical and of two optional 0/1 masks, broadcasting.
inline std::optional<Tensor> mask_and(const std::optional<Tensor>& a, const Tensor& b) {
  return a ? ops::multiply(*a, b) : b;
}

}  // namespace kplug::layers::detail
