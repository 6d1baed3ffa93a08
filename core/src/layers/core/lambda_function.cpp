#include "kplug/layers/lambda_function.hpp"

#include "kplug/errors.hpp"
#include "kplug/registry.hpp"

#include <utility>

namespace kplug {

LambdaFunction::LambdaFunction(std::string key, LambdaImplementation implementation)
    : NamedFunction(std::move(key)), implementation_(std::move(implementation)) {
  if (!implementation_.call) throw RegistrationError("Lambda implementation '" + name() + "' has no call function");
}

LambdaFunction::~LambdaFunction() = default;

std::string_view LambdaFunction::bare_name() const noexcept {
  const std::string_view key = name();
  return key.substr(key.find('>') + 1);
}

boost::json::object LambdaFunction::get_config() const {
  throw SerializationError("Lambda implementation '" + name() + "' has no config; serialize() writes its name");
}

std::string register_lambda(std::string_view package, std::string_view name, LambdaImplementation implementation,
                            bool replace, SourceLocation where) {
  std::string key = make_registered_key(package, name);
  register_function(std::make_shared<LambdaFunction>(key, std::move(implementation)), replace, where);
  return key;
}

}  // namespace kplug
