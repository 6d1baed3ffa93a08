#include "kplug/object.hpp"

#include "kplug/errors.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace kplug {

Serializable::~Serializable() = default;
NamedFunction::~NamedFunction() = default;

std::string Serializable::class_name() const { return plain_type_name(typeid(*this)); }

const NamedFunction* as_function(const Serializable& object) noexcept { return object.as_named_function(); }

std::string plain_type_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                   std::free);
  std::string name = (status == 0 && demangled) ? demangled.get() : type.name();
  // Drop namespaces and enclosing classes, but not a template's arguments.
  std::size_t angle = name.find('<');
  std::size_t cut = name.rfind("::", angle == std::string::npos ? std::string::npos : angle);
  return cut == std::string::npos ? name : name.substr(cut + 2);
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::activation: return "activation";
    case Kind::initializer: return "initializer";
    case Kind::regularizer: return "regularizer";
    case Kind::constraint: return "constraint";
    case Kind::loss: return "loss";
    case Kind::metric: return "metric";
    case Kind::layer: return "layer";
    case Kind::model: return "model";
    case Kind::optimizer: return "optimizer";
    case Kind::learning_rate_schedule: return "learning rate schedule";
    case Kind::dtype_policy: return "dtype policy";
    case Kind::other: return "object";
  }
  return "object";
}

bool kind_is_a(Kind actual, Kind expected) noexcept {
  if (actual == expected) return true;
  switch (actual) {
    case Kind::model: return expected == Kind::layer;
    case Kind::loss: return expected == Kind::metric;
    default: return false;
  }
}

std::string_view kind_module(Kind kind) {
  switch (kind) {
    case Kind::activation: return "keras.activations";
    case Kind::initializer: return "keras.initializers";
    case Kind::regularizer: return "keras.regularizers";
    case Kind::constraint: return "keras.constraints";
    case Kind::loss: return "keras.losses";
    case Kind::metric: return "keras.metrics";
    case Kind::layer: return "keras.layers";
    case Kind::model: return "keras.models";
    case Kind::optimizer: return "keras.optimizers";
    case Kind::learning_rate_schedule: return "keras.optimizers.schedules";
    case Kind::dtype_policy: return "keras";
    case Kind::other: return "keras";
  }
  return "keras";
}

}  // namespace kplug
