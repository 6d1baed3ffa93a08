// A layer's activation as its inference step applies it in place: Keras's built-in
// element-wise ones through the unary kernel, any other (gelu, a plugin's) through the
// activation itself on a pooled copy, copied back.
#pragma once

#include "kplug/activations.hpp"
#include "kplug/ops/elementwise.hpp"

#include <memory>
#include <optional>

namespace kplug::layers::planning {

class StepActivation {
 public:
  explicit StepActivation(std::shared_ptr<Activation> activation);
  // x = activation(x) for a float32 tensor of `shape` at `data`.
  void apply(float* data, const Shape& shape) const;

 private:
  std::shared_ptr<Activation> activation_;
  bool identity_ = false;
  std::optional<ops::UnaryOp> unary_;
  bool softmax_ = false;
};

}  // namespace kplug::layers::planning
