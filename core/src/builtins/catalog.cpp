#include "builtins/catalog.hpp"

#include "kplug/errors.hpp"

#include <algorithm>

namespace kplug::detail {
namespace {

// Keras's serialization_lib.BUILTIN_MODULES, in its search order.
constexpr std::string_view kFunctionModules[] = {
    "keras.activations", "keras.constraints", "keras.initializers", "keras.losses",
    "keras.metrics",     "keras.optimizers",  "keras.regularizers",
};

}  // namespace

BuiltinCatalog::BuiltinCatalog() {
  CatalogBuilder builder(*this);
  add_builtin_activations(builder);
  add_builtin_initializers(builder);
  add_builtin_regularizers(builder);
  add_builtin_constraints(builder);
  add_builtin_losses(builder);
  add_builtin_optimizers(builder);
  add_builtin_metrics(builder);
  add_builtin_layers(builder);
  add_builtin_models(builder);
}

const BuiltinCatalog& BuiltinCatalog::instance() {
  static const BuiltinCatalog catalog;
  return catalog;
}

RegisteredObjectPtr BuiltinCatalog::find(std::string_view module, std::string_view name) const {
  auto m = by_module_.find(module);
  if (m == by_module_.end()) return nullptr;
  auto it = m->second.find(name);
  return it == m->second.end() ? nullptr : it->second;
}

RegisteredObjectPtr BuiltinCatalog::find_function(std::string_view name) const {
  for (std::string_view module : kFunctionModules) {
    if (auto hit = find(module, name); hit && hit->is_function()) return hit;
  }
  return nullptr;
}

RegisteredObjectPtr BuiltinCatalog::find_class_anywhere(std::string_view class_name) const {
  auto it = classes_by_name_.find(class_name);
  return it == classes_by_name_.end() ? nullptr : it->second;
}

RegisteredObjectPtr BuiltinCatalog::find_for_kind(Kind kind, std::string_view name) const {
  auto k = by_kind_.find(kind);
  if (k == by_kind_.end()) return nullptr;
  auto it = k->second.find(name);
  return it == k->second.end() ? nullptr : it->second;
}

const PublicName* BuiltinCatalog::public_name(const std::type_info& type) const {
  if (auto hit = public_names_by_address_.find(&type); hit != public_names_by_address_.end()) return hit->second;
  auto it = public_names_.find(std::type_index(type));
  return it == public_names_.end() ? nullptr : &it->second;
}

std::vector<std::string> BuiltinCatalog::names_in_module(std::string_view module) const {
  std::vector<std::string> names;
  if (auto m = by_module_.find(module); m != by_module_.end()) {
    for (const auto& [name, entry] : m->second) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> BuiltinCatalog::names_for_kind(Kind kind) const {
  std::vector<std::string> names;
  if (auto k = by_kind_.find(kind); k != by_kind_.end()) {
    for (const auto& [name, entry] : k->second) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

void CatalogBuilder::add_name(std::string_view module, std::string_view name, Kind kind,
                              const RegisteredObjectPtr& entry) {
  auto& names = catalog_.by_module_[std::string(module)];
  if (!names.emplace(std::string(name), entry).second) {
    throw RegistrationError("built-in '" + std::string(module) + "." + std::string(name) + "' is defined twice");
  }
  catalog_.by_kind_[kind].emplace(std::string(name), entry);
}

void CatalogBuilder::add_class_entry(std::shared_ptr<RegisteredObject> entry, const std::type_info& type,
                                     std::string_view module, std::initializer_list<std::string_view> names) {
  if (names.size() == 0) throw RegistrationError("built-in class needs a name");
  entry->class_name = std::string(*names.begin());
  entry->module = std::string(module);
  for (std::string_view name : names) add_name(module, name, entry->kind, entry);
  catalog_.classes_by_name_.emplace(std::string(*names.begin()), entry);
  auto [it, inserted] = catalog_.public_names_.emplace(std::type_index(type),
                                                       PublicName{std::string(module), std::string(*names.begin())});
  if (inserted) catalog_.public_names_by_address_.emplace(&type, &it->second);
}

void CatalogBuilder::add_function(ObjectPtr function, std::string_view module,
                                  std::initializer_list<std::string_view> aliases) {
  const NamedFunction* named = function ? as_function(*function) : nullptr;
  if (!named) throw RegistrationError("add_function needs a function object");
  const std::string name = named->name();
  RegisteredObjectPtr entry = function_entry(std::move(function));
  add_name(module, name, entry->kind, entry);
  for (std::string_view alias : aliases) add_name(module, alias, entry->kind, entry);
}

void CatalogBuilder::add_kind_alias(Kind kind, std::string_view alias, std::string_view module,
                                    std::string_view target) {
  RegisteredObjectPtr entry = catalog_.find(module, target);
  if (!entry) {
    throw RegistrationError("alias '" + std::string(alias) + "' targets unknown built-in '" + std::string(module) +
                            "." + std::string(target) + "'");
  }
  catalog_.by_kind_[kind].emplace(std::string(alias), std::move(entry));
}

}  // namespace kplug::detail
