// keras.initializers: tensors of a requested shape.
#pragma once

#include "kplug/object.hpp"
#include "kplug/tensor.hpp"

namespace kplug {

class Initializer : public Serializable {
 public:
  static constexpr Kind static_kind = Kind::initializer;
  ~Initializer() override;
  Kind kind() const override { return static_kind; }
  // A new float32 tensor of `shape`. Seeded initializers give the same values on every call.
  virtual Tensor operator()(const Shape& shape) const = 0;
};

}  // namespace kplug
