#include "kplug/ops/kernels.hpp"

#include <memory>
#include <utility>

namespace kplug::ops::kernels {

Tensor borrow(std::byte* data, Shape shape, DType dtype) {
  // shared_ptr's aliasing constructor over an empty owner: a pointer without a control block,
  // whose use_count of 0 never counts as shared (so writes do not detach).
  return Tensor::adopt(std::shared_ptr<void>(std::shared_ptr<void>(), data), data, std::move(shape), dtype);
}

}  // namespace kplug::ops::kernels
