// What a plugin's registration function receives: it adds classes and functions under
// the plugin's declared packages. Nothing enters the registry until the whole
// registration succeeded (the host adds all keys at once, or none).
#pragma once

#include "kplug/activations.hpp"
#include "kplug/errors.hpp"
#include "kplug/layers/lambda_function.hpp"
#include "kplug/losses.hpp"
#include "kplug/registry.hpp"
#include "kplug/source_location.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#pragma GCC visibility push(default)  // exported API (libkplug is built with -fvisibility=hidden)
namespace kplug::plugin {

class Registrar {
 public:
  // `owner`: the plugin's path; `packages`: the ones it declared; `keep_alive`: the
  // loaded library, held by everything the plugin's code can be reached through.
  Registrar(std::string owner, std::vector<std::string> packages, std::shared_ptr<void> keep_alive);
  ~Registrar();
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  // Class T as "package>name", with the options register_serializable takes (name defaults
  // to the class name; `module` is what serialize writes as "module", Keras: the defining
  // Python module). Only the host replaces keys: `replace` is refused.
  template <SerializableClass T>
  std::string add_class(RegisterOptions options, SourceLocation where = SourceLocation::current()) {
    if (options.replace) {
      throw NotSupportedError("Registrar::add_class: a plugin cannot replace a key (RegisterOptions::replace); " +
                              options.package + ">" + (options.name.empty() ? "<class name>" : options.name));
    }
    return add_class_entry(options.package, options.name, new_class_entry<T>(std::move(options.module), where));
  }
  std::string add_activation(std::string_view package, std::string_view name, ActivationFunction::Fn fn,
                             SourceLocation where = SourceLocation::current());
  std::string add_loss_function(std::string_view package, std::string_view name, LossFunction::Fn fn,
                                SourceLocation where = SourceLocation::current());
  // The implementation of Lambda layers calling the Python function "package>name" (or, with
  // LambdaMatch::layer_name, of Lambda layers named `name`): kplug/layers/lambda_function.hpp.
  std::string add_lambda(std::string_view package, std::string_view name, LambdaImplementation implementation,
                         SourceLocation where = SourceLocation::current());

  // Adds a class entry under "package>name" (name defaults to its class name); returns the key.
  std::string add_class_entry(std::string_view package, std::string_view name, std::shared_ptr<RegisteredObject> entry);

  const std::string& owner() const noexcept { return owner_; }
  // The packages the plugin declared (its entry's list), in order.
  const std::vector<std::string>& packages() const noexcept { return packages_; }
  // The collected keys (for the host).
  std::vector<std::pair<std::string, RegisteredObjectPtr>> take() { return std::move(entries_); }

 private:
  void add(const std::string& key, std::shared_ptr<RegisteredObject> entry);

  std::string owner_;
  std::vector<std::string> packages_;
  std::shared_ptr<void> keep_alive_;
  std::vector<std::pair<std::string, RegisteredObjectPtr>> entries_;
};

// An object built by plugin code, holding the plugin's library until it is destroyed.
ObjectPtr keep_library_alive(ObjectPtr object, std::shared_ptr<void> library);

}  // namespace kplug::plugin
#pragma GCC visibility pop
