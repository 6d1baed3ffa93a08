#include "kplug/activations.hpp"

#include "kplug/errors.hpp"
#include "kplug/registry.hpp"

namespace kplug {

Activation::~Activation() = default;

ActivationFunction::ActivationFunction(std::string name, Fn fn) : NamedFunction(std::move(name)), fn_(std::move(fn)) {
  if (!fn_) throw RegistrationError("activation '" + this->name() + "' has no function");
}
ActivationFunction::~ActivationFunction() = default;

boost::json::object ActivationFunction::get_config() const {
  throw SerializationError("activation function '" + name() + "' has no config; serialize() writes its name");
}

std::string register_activation(std::string_view package, std::string_view name, ActivationFunction::Fn fn,
                                bool replace, SourceLocation where) {
  std::string key = make_registered_key(package, name);
  register_function(std::make_shared<ActivationFunction>(key, std::move(fn)), replace, where);
  return key;
}

}  // namespace kplug
