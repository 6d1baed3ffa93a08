#include "kplug/layers/variable.hpp"

#include "kplug/errors.hpp"
#include "kplug/layers/partial_shape.hpp"

namespace kplug {
namespace {
thread_local StatelessScope* t_innermost_scope = nullptr;
}  // namespace

StatelessScope::StatelessScope(std::vector<std::pair<VariablePtr, Tensor>> mapping)
    : mapping_(std::move(mapping)), outer_(t_innermost_scope) {
  for (const auto& [variable, value] : mapping_) {
    if (!variable) throw ValueError("StatelessScope: a mapping entry has no variable");
    if (value.shape() != variable->shape()) {
      throw ValueError("StatelessScope: variable '" + variable->path() + "' has shape " +
                       shape_repr(variable->shape()) + ", but is mapped to a value of shape " +
                       shape_repr(value.shape()));
    }
  }
  t_innermost_scope = this;
}

StatelessScope::~StatelessScope() { t_innermost_scope = outer_; }

bool StatelessScope::active() noexcept { return t_innermost_scope != nullptr; }

const Tensor* StatelessScope::value_of(const Variable& variable) noexcept {
  for (const StatelessScope* scope = t_innermost_scope; scope; scope = scope->outer_) {
    for (const auto& [v, value] : scope->mapping_) {
      if (v.get() == &variable) return &value;
    }
  }
  return nullptr;
}

Variable::Variable(VariableSpec spec, std::string path) : spec_(std::move(spec)), path_(std::move(path)) {
  shape_size(spec_.shape);  // validates the dims
}

const Tensor& Variable::value() const {
  if (const Tensor* scoped = StatelessScope::value_of(*this)) return *scoped;
  std::lock_guard lock(mutex_);
  if (!value_) {
    Tensor v = spec_.initializer ? (*spec_.initializer)(spec_.shape) : Tensor(spec_.shape, 0.0f);
    if (v.shape() != spec_.shape) {
      throw ValueError("Variable '" + path_ + "': the initializer gave shape " + shape_repr(v.shape()) + " for shape " +
                       shape_repr(spec_.shape));
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
  version_.fetch_add(1, std::memory_order_release);
}

void Variable::reinitialize() {
  std::lock_guard lock(mutex_);
  value_.reset();
  version_.fetch_add(1, std::memory_order_release);
}

float Variable::regularization_loss() const { return spec_.regularizer ? (*spec_.regularizer)(value()) : 0.0f; }

}  // namespace kplug
