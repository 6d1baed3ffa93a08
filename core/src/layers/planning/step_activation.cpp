#include "layers/planning/step_activation.hpp"

#include "kplug/errors.hpp"
#include "kplug/object.hpp"
#include "kplug/ops/kernels.hpp"

#include <cstring>
#include <string_view>

namespace kplug::layers::planning {
namespace {

// The built-ins whose function is exactly one unary op (kplug's activations call it).
std::optional<ops::UnaryOp> unary_of(std::string_view name) {
  if (name == "relu") return ops::UnaryOp::relu;
  if (name == "sigmoid") return ops::UnaryOp::sigmoid;
  if (name == "tanh") return ops::UnaryOp::tanh;
  if (name == "exponential") return ops::UnaryOp::exp;
  if (name == "softplus") return ops::UnaryOp::softplus;
  return std::nullopt;
}

}  // namespace

StepActivation::StepActivation(std::shared_ptr<Activation> activation) : activation_(std::move(activation)) {
  const NamedFunction* f = activation_ ? activation_->as_named_function() : nullptr;
  if (!activation_ || (f && f->name() == "linear")) {
    identity_ = true;
  } else if (f) {
    unary_ = unary_of(f->name());
    softmax_ = f->name() == "softmax";  // its default axis, the last
  }
}

void StepActivation::apply(float* data, const Shape& shape) const {
  if (identity_) return;
  const std::int64_t n = shape_size(shape);
  if (unary_) return ops::kernels::unary(data, data, n, *unary_);
  if (softmax_ && !shape.empty())
    return ops::kernels::softmax_rows(data, data, n ? n / shape.back() : 0, shape.back(), false);
  // A copy in a pooled tensor: `data` may be any block of a step's buffers, aligned or not.
  Tensor x = Tensor::empty(shape);
  std::memcpy(x.data(), data, static_cast<std::size_t>(n) * sizeof(float));
  const Tensor y = (*activation_)(x);
  if (y.dtype() != DType::float32 || y.shape() != shape) {
    throw ValueError("activation '" + activation_->class_name() + "' changed its input's shape or dtype");
  }
  std::memcpy(data, y.data(), static_cast<std::size_t>(n) * sizeof(float));
}

}  // namespace kplug::layers::planning
