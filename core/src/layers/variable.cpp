#include "kplug/layers/variable.hpp"

#include "kplug/errors.hpp"
#include "kplug/layers/partial_shape.hpp"

namespace kplug {

Variable::Variable(VariableSpec spec, std::string path) : spec_(std::move(spec)), path_(std::move(path)) {
  shape_size(spec_.shape);  // validates the dims
}

const Tensor& Variable::value() const {
  std::lock_guard lock(mutex_);
  if (!value_) {
    Tensor v = spec_.initializer ? (*spec_.initializer)(spec_.shape) : Tensor(spec_.shape, 0.0f);
    if (v.shape() != spec_.shape) {
      throw ValueError("Variable '" + path_ + "': the initializer gave shape " + shape_repr(v.shape()) +
                       " for shape " + shape_repr(spec_.shape));
    }
    value_ = std::move(v);
  }
  return *value_;
}

void Variable::assign(Tensor value) {
  if (value.shape() != spec_.shape) {
    throw ValueError("Variable '" + path_ + "' has shape " + shape_repr(spec_.shape) +
                     ", but the assigned value has shape " + shape_repr(value.shape()));
  }
  std::lock_guard lock(mutex_);
  value_ = std::move(value);
}

void Variable::reinitialize() {
  std::lock_guard lock(mutex_);
  value_.reset();
}

float Variable::regularization_loss() const { return spec_.regularizer ? (*spec_.regularizer)(value()) : 0.0f; }

}  // namespace kplug
