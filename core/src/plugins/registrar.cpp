#include "kplug/registrar.hpp"

#include "registry/registered_object.hpp"

#include <algorithm>

namespace kplug::plugin {
namespace {

// Plugin-provided from_config: runs plugin code, so it holds the library, and so does
// every object it returns. Members are destroyed in reverse order: `inner` (plugin
// code) before `library`.
struct PluginFactory {
  std::shared_ptr<void> library;
  ClassFactory inner;

  ObjectPtr operator()(const boost::json::object& config, DeserializationContext& context) const {
    return keep_library_alive(inner(config, context), library);
  }
};

struct LibraryBoundObject {
  std::shared_ptr<void> library;  // destroyed last
  ObjectPtr object;
};

}  // namespace

ObjectPtr keep_library_alive(ObjectPtr object, std::shared_ptr<void> library) {
  if (!object || !library) return object;
  Serializable* raw = object.get();
  auto holder = std::make_shared<LibraryBoundObject>(LibraryBoundObject{std::move(library), std::move(object)});
  return ObjectPtr(std::move(holder), raw);
}

Registrar::Registrar(std::string owner, std::vector<std::string> packages, std::shared_ptr<void> keep_alive)
    : owner_(std::move(owner)), packages_(std::move(packages)), keep_alive_(std::move(keep_alive)) {}
Registrar::~Registrar() = default;

void Registrar::add(const std::string& key, std::shared_ptr<RegisteredObject> entry) {
  const std::string package = key.substr(0, key.find('>'));
  if (std::find(packages_.begin(), packages_.end(), package) == packages_.end()) {
    std::string declared;
    for (const auto& p : packages_) declared += (declared.empty() ? "'" : ", '") + p + "'";
    throw RegistrationError("plugin " + owner_ + " registers '" + key + "' in package '" + package +
                            "', which it does not declare (declared: " + (declared.empty() ? "none" : declared) +
                            "); add it to PACKAGES in kplug_add_plugin");
  }
  for (const auto& [existing, e] : entries_) {
    if (existing == key) {
      throw RegistrationError("key '" + key + "' is registered twice by plugin " + owner_ + ": first at " +
                              e->site.to_string() + ", again at " + entry->site.file + ":" +
                              std::to_string(entry->site.line));
    }
  }
  entry->site.owner = owner_;
  if (entry->from_config) entry->from_config = PluginFactory{keep_alive_, std::move(entry->from_config)};
  if (entry->function) entry->function = keep_library_alive(std::move(entry->function), keep_alive_);
  entries_.emplace_back(key, std::move(entry));
}

std::string Registrar::add_class_entry(std::string_view package, std::string_view name,
                                       std::shared_ptr<RegisteredObject> entry) {
  std::string key = make_registered_key(package, name.empty() ? std::string_view(entry->class_name) : name);
  add(key, std::move(entry));
  return key;
}

std::string Registrar::add_activation(std::string_view package, std::string_view name, ActivationFunction::Fn fn,
                                      SourceLocation where) {
  std::string key = make_registered_key(package, name);
  auto entry = new_function_entry(std::make_shared<ActivationFunction>(key, std::move(fn)), where);
  add(key, std::move(entry));
  return key;
}

std::string Registrar::add_loss_function(std::string_view package, std::string_view name, LossFunction::Fn fn,
                                         SourceLocation where) {
  std::string key = make_registered_key(package, name);
  auto entry = new_function_entry(std::make_shared<LossFunction>(key, std::move(fn)), where);
  add(key, std::move(entry));
  return key;
}

std::string Registrar::add_lambda(std::string_view package, std::string_view name, LambdaImplementation implementation,
                                  SourceLocation where) {
  std::string key = make_registered_key(package, name);
  add(key, new_function_entry(std::make_shared<LambdaFunction>(key, std::move(implementation)), where));
  return key;
}

}  // namespace kplug::plugin
